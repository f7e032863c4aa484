"""Load a migration file (YAML or JSON), validating every field with errors that name the
file, the line and the field at fault."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import InputError
from ..operations.base import Operation, operation_types
from .model import Migration

Path_ = tuple[str | int, ...]
_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def _compose(text: str, filename: str) -> tuple[Any, dict[Path_, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise InputError("nested too deeply", where=filename) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise InputError(f"invalid YAML: {exc.problem or exc.context}", where=f"{filename}{line}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", where=filename) from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}

    def walk(n: yaml.Node, path: Path_) -> None:
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.ScalarNode) and "\0" in n.value:
            # PostgreSQL text cannot hold NUL: caught here, not as a driver error at run time.
            raise InputError("contains a NUL character", where=f"{filename}:{n.start_mark.line + 1}")
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in n.value:
                key = str(key_node.value)
                if key in seen:
                    # YAML and JSON loaders silently keep the last one: a lost `up:` is worse.
                    raise InputError(f"duplicate key {key!r}", where=f"{filename}:{key_node.start_mark.line + 1}")
                seen.add(key)
                lines[path + (key,)] = key_node.start_mark.line + 1
                walk(value_node, (*path, key))
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, i))

    if node is not None:
        walk(node, ())
    return data, lines


def _line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_text(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", where=str(path)) from None
    except PermissionError:
        raise InputError("permission denied", where=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", where=str(path)) from None
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=str(path)) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise InputError("contains a NUL byte (PostgreSQL text cannot hold one)", where=f"{path}:{line}")
    return text


def load_migration_text(text: str, filename: str, *, default_name: str) -> Migration:
    if filename.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", where=f"{filename}:{exc.lineno}") from None
    data, lines = _compose(text, filename)

    def fail(path: Path_, message: str) -> InputError:
        line = _line_for(lines, path)
        where = f"{filename}:{line}" if line else filename
        field = _dotted(path)
        return InputError(f"{field}: {message}" if field else message, where=where)

    if not isinstance(data, dict):
        raise fail((), "a migration must be a mapping with an 'operations' list")
    allowed = {"name", "description", "operations"}
    for key in data:
        if key not in allowed:
            raise fail((str(key),), f"unknown field (expected one of: {', '.join(sorted(allowed))})")
    name = data.get("name", default_name)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise fail(("name",), "must be 1-100 characters of letters, digits, '_', '-', '.'")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail(("description",), "must be a string")
    ops_data = data.get("operations")
    if ops_data is None:
        raise fail((), "missing required field 'operations'")
    if not isinstance(ops_data, list) or not ops_data:
        raise fail(("operations",), "must be a non-empty list")

    types = operation_types()
    operations: list[Operation] = []
    for i, item in enumerate(ops_data):
        path: Path_ = ("operations", i)
        if not isinstance(item, dict) or len(item) != 1:
            raise fail(path, "each operation must be a mapping with exactly one key, its type")
        (type_name, fields), = item.items()
        cls = types.get(str(type_name))
        if cls is None:
            raise fail((*path, str(type_name)), f"unknown operation {type_name!r} (known: {', '.join(sorted(types))})")
        if not isinstance(fields, dict):
            raise fail((*path, str(type_name)), "the operation's fields must be a mapping")
        line = _line_for(lines, (*path, str(type_name)))
        origin = f"{filename}:{line}" if line else filename
        try:
            op = cls.model_validate({**fields, "origin": origin})
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = tuple(p for p in err["loc"] if p != "origin")
            raise fail((*path, str(type_name), *loc), _pydantic_message(err)) from None
        except ValueError as exc:
            raise fail((*path, str(type_name)), str(exc)) from None
        operations.append(op)
    return Migration(name=name, operations=operations, description=description, source=Path(filename))


def _pydantic_message(err: Any) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


def load_migration_file(path: Path) -> Migration:
    text = read_text(path)
    return load_migration_text(text, str(path), default_name=path.stem)
