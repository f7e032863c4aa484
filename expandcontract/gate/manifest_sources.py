"""Build manifests from SQLAlchemy MetaData, SQL files and PostgreSQL query logs."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

import psycopg

from ..errors import InputError
from .manifest import Manifest, from_metadata
from .sqlrefs import Resolver, add_uses, parse, uses


def catalog_resolver(conn: psycopg.Connection) -> Resolver:
    """Columns of a table as the live database sees it (search_path applies), cached."""
    cache: dict[tuple[str | None, str], set[str] | None] = {}

    def resolve(schema: str | None, table: str) -> set[str] | None:
        key = (schema, table)
        if key not in cache:
            from ..sqltext import qualified

            rows = conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s)"
                " AND attnum > 0 AND NOT attisdropped", (qualified(schema, table),)
            ).fetchall()
            cache[key] = {r[0] for r in rows} if rows else None
        return cache[key]

    return resolve


def from_metadata_spec(spec: str) -> Manifest:
    """``pkg.module:attr.path`` naming a MetaData (or a declarative Base)."""
    module_name, sep, attr_path = spec.partition(":")
    if not sep or not module_name or not attr_path:
        raise InputError(f"--from-metadata {spec!r}: expected module:attribute, e.g. "
                         "myapp.models:Base.metadata")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # like python -m: the current directory's packages
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"--from-metadata {spec!r}: cannot import {module_name}: {exc}") from None
    for part in attr_path.split("."):
        if not hasattr(obj, part):
            raise InputError(f"--from-metadata {spec!r}: {module_name} has no attribute {attr_path}")
        obj = getattr(obj, part)
    if hasattr(obj, "metadata") and not hasattr(obj, "sorted_tables"):
        obj = obj.metadata
    if not hasattr(obj, "sorted_tables"):
        raise InputError(f"--from-metadata {spec!r}: {type(obj).__name__} is not a SQLAlchemy MetaData")
    return from_metadata(obj)


def from_sql_file(path: Path, resolver: Resolver | None) -> Manifest:
    """Every statement of a .sql file; a statement sqlglot cannot parse is an input error."""
    from sqlglot.errors import ParseError

    text = _read(path)
    try:
        statements = parse(text)
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        line = f":{err.get('line')}" if err.get("line") else ""
        raise InputError(f"cannot parse SQL: {err.get('description') or exc}",
                         where=f"{path}{line}") from None
    manifest = Manifest()
    for statement in statements:
        add_uses(manifest, uses(statement, resolver))
    return manifest


# "... LOG:  statement: SELECT ..." / "... LOG:  execute <unnamed>: SELECT ..." /
# "... LOG:  duration: 0.1 ms  statement: ..." (log_statement / log_min_duration_statement).
_LOG_STATEMENT = re.compile(r"\b(?:LOG|STATEMENT):\s+(?:duration: [\d.]+ ms\s+)?"
                            r"(?:statement|execute [^:]*):\s?(?P<sql>.*)$")
_LOG_CONTINUATION = re.compile(r"^\s")


def statements_from_log(text: str) -> list[str]:
    """SQL statements logged by PostgreSQL (stderr/log files with log_statement = 'all')."""
    found: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines():
        match = _LOG_STATEMENT.search(line)
        if match:
            if current:
                found.append("\n".join(current))
            current = [match["sql"]]
        elif current is not None and _LOG_CONTINUATION.match(line):
            current.append(line.strip())
        else:
            if current:
                found.append("\n".join(current))
            current = None
    if current:
        found.append("\n".join(current))
    return found


def from_log_file(path: Path, resolver: Resolver | None) -> tuple[Manifest, int, int]:
    """(manifest, statements read, statements that could not be parsed and were skipped)."""
    from sqlglot.errors import SqlglotError

    statements = statements_from_log(_read(path))
    if not statements:
        raise InputError("no logged statements found (expected lines like "
                         "'LOG:  statement: ...' from log_statement = 'all')", where=str(path))
    manifest = Manifest()
    skipped = 0
    for text in statements:
        try:
            for statement in parse(text):
                add_uses(manifest, uses(statement, resolver))
        except SqlglotError:
            skipped += 1
    return manifest, len(statements), skipped


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", where=str(path)) from None
