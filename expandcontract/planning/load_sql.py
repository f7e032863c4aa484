"""Load an ordinary SQL migration as a Migration: each statement mapped to operations.

Parsing is PostgreSQL's own grammar (pglast); mapping lives in sql_map. Whatever cannot be
mapped exactly is kept as a raw ``sql`` operation, and every such decision is reported in
``Migration.notes`` as "file.sql:LINE: ..." so that nothing changes meaning silently.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError
from ..operations.base import Operation, operation_types
from .load_yaml import read_text
from .model import Migration
from .sql_map import DropItem, Item, Mapper, OpItem, RawItem
from .sql_statements import Statement, split_statements


def load_sql_file(path: Path) -> Migration:
    text = read_text(path)
    return load_sql_text(text, str(path), default_name=path.stem)


def migration_name(stem: str) -> str:
    """A valid migration name from a file name (letters, digits, '_', '-', '.')."""
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "_", stem).strip("_")[:100]
    return name or "migration"


def load_sql_text(text: str, filename: str, default_name: str) -> Migration:
    statements = split_statements(text, filename)
    if not statements:
        raise InputError("no SQL statements in the file (empty, or only comments)", where=filename)
    mapper = Mapper()
    for st in statements:
        mapper.add(st)

    types = operation_types()
    operations: list[Operation] = []
    notes: list[str] = []
    for st, items in _by_statement(mapper.items):
        built: list[Operation] = []
        built_notes: list[str] = []
        try:
            for item in items:
                if isinstance(item, DropItem):
                    built_notes.append(f"{st.where}: dropped: {item.reason}")
                elif isinstance(item, RawItem):
                    built.append(_raw_operation(types, item, st.where))
                    built_notes.append(f"{st.where}: kept as raw SQL: {item.reason}")
                elif not item.removed:
                    built.append(_operation(types, item, st.where))
                    built_notes.extend(f"{st.where}: {note}" for note in item.notes)
        except _Rejected as exc:
            # The honest fallback: run the whole statement as written.
            built = [_raw_operation(types, RawItem(st.text, str(exc)), st.where)]
            built_notes = [f"{st.where}: kept as raw SQL: {exc}"]
        operations.extend(built)
        notes.extend(built_notes)
    if not operations:
        raise InputError(
            "nothing to migrate: every statement was transaction control or a session setting",
            where=filename,
        )
    return Migration(
        name=migration_name(default_name),
        operations=operations,
        source=Path(filename),
        notes=notes,
    )


class _Rejected(Exception):
    """An operation refused the fields we mapped (or its type is not there)."""


def _by_statement(items: list[tuple[Statement, Item]]) -> list[tuple[Statement, list[Item]]]:
    groups: list[tuple[Statement, list[Item]]] = []
    for st, item in items:
        if groups and groups[-1][0] is st:
            groups[-1][1].append(item)
        else:
            groups.append((st, [item]))
    return groups


def _operation(types: dict[str, type[Operation]], item: OpItem, where: str) -> Operation:
    cls = types.get(item.type)
    if cls is None:
        raise _Rejected(f"operation {item.type} is not available")
    try:
        return cls.model_validate({**item.fields, "origin": where})
    except ValidationError as exc:
        raise _Rejected(f"{item.type} rejected it ({_first_error(exc)})") from None
    except ValueError as exc:
        raise _Rejected(f"{item.type} rejected it ({exc})") from None


def _raw_operation(types: dict[str, type[Operation]], item: RawItem, where: str) -> Operation:
    cls = types.get("sql")
    if cls is None:
        raise InputError("cannot keep this statement as raw SQL: the sql operation is not available", where=where)
    fields: dict[str, Any] = {"up": item.sql, "origin": where}
    if not item.transactional:
        fields["transactional"] = False
    if item.lock is not None:
        fields["lock"] = item.lock
    return cls.model_validate(fields)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()))
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg
