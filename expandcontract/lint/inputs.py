"""Turn command-line paths into things to lint: SQL files, stdin, Alembic revisions."""

from __future__ import annotations

import glob
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .engine import SqlSource

STDIN = "-"


@dataclass(frozen=True)
class InputItem:
    kind: str  # "sql" | "stdin" | "alembic"
    path: Path | None
    display: str


def _is_revision(path: Path) -> bool:
    return path.suffix == ".py" and path.parent.name == "versions" and not path.name.startswith("_")


def _sql_item(path: Path) -> InputItem:
    return InputItem("sql", path, str(path))


def _from_directory(directory: Path) -> list[InputItem]:
    sql: list[Path] = []
    revisions: list[Path] = []
    for p in directory.rglob("*"):  # one walk for both kinds
        if p.suffix == ".sql" and p.is_file():
            sql.append(p)
        elif p.suffix == ".py" and _is_revision(p) and p.is_file():
            revisions.append(p)
    items = [_sql_item(p) for p in sorted(sql)]
    items.extend(InputItem("alembic", p, str(p)) for p in order_revisions(revisions))
    return items


_MIGRATION_FILES = (".yaml", ".yml", ".json")


def _from_file(path: Path) -> InputItem:
    if path.suffix in _MIGRATION_FILES:  # ec's own format: ec plans it safely, nothing to lint
        raise InputError("an ec migration file, not SQL: ec lint checks .sql files and Alembic "
                         "revisions; `ec plan` shows how ec runs this one", where=str(path))
    if path.suffix == ".py":
        return InputItem("alembic", path, str(path))
    return _sql_item(path)


def collect_inputs(paths: list[str], alembic_config: str | None = None) -> list[InputItem]:
    """Expand paths (files, directories, globs, "-") in order, without duplicates."""
    items: list[InputItem] = []
    if alembic_config:
        from .alembic_input import versions_directories

        for directory in versions_directories(alembic_config):
            revisions = [p for p in directory.glob("*.py") if not p.name.startswith("_")]
            items.extend(InputItem("alembic", p, str(p)) for p in order_revisions(revisions))
    for raw in paths:
        if raw == STDIN:
            items.append(InputItem("stdin", None, "<stdin>"))
            continue
        path = Path(raw)
        if path.is_dir():
            items.extend(_from_directory(path))
        elif path.is_file():
            items.append(_from_file(path))
        elif glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                raise InputError("no file matches this pattern", where=raw)
            for m in matches:
                p = Path(m)
                if p.is_dir():
                    items.extend(_from_directory(p))
                elif p.suffix in (".sql", ".py"):
                    items.append(_from_file(p))
        else:
            raise InputError("no such file or directory", where=raw)
    if len(paths) == 1 and not alembic_config and not glob.has_magic(paths[0]):
        return items  # one file or directory lists each file once; resolving costs time
    seen: set[str] = set()
    unique = []
    for item in items:
        key = str(item.path.resolve()) if item.path else item.display
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


_REV = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


def order_revisions(paths: list[Path]) -> list[Path]:
    """Oldest revision first (following down_revision), so the schema model grows in order."""
    by_rev: dict[str, Path] = {}
    parents: dict[Path, list[str]] = {}
    for p in sorted(paths):
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            parents[p] = []
            continue
        rev = _REV.search(text)
        if rev:
            by_rev[rev.group(1)] = p
        down = _DOWN.search(text)
        parents[p] = re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)) if down else []
    ordered: list[Path] = []
    done: set[Path] = set()

    for root in sorted(paths):
        # Iterative post-order walk: revision chains can be thousands long.
        stack: list[tuple[Path, bool]] = [(root, False)]
        while stack:
            p, expanded = stack.pop()
            if expanded:
                ordered.append(p)
                continue
            if p in done:
                continue
            done.add(p)
            stack.append((p, True))
            for parent in reversed(parents.get(p, [])):
                if parent in by_rev and by_rev[parent] not in done:
                    stack.append((by_rev[parent], False))
    return ordered


def read_input(item: InputItem) -> list[SqlSource]:
    if item.kind == "stdin":
        return [SqlSource(filename="<stdin>", text=sys.stdin.read())]
    assert item.path is not None
    if item.kind == "alembic":
        from .alembic_input import revision_source

        return [revision_source(item.path)]
    try:
        text = item.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", where=item.display) from None
    return [SqlSource(filename=item.display, text=text)]
