"""Manifests: which tables and columns one app version reads, writes and inserts.

The document form (YAML or JSON, docs/runtime.md)::

    app: orders            # optional
    version: v1            # optional
    tables:
      orders:              # or schema.table; unqualified names follow search_path
        reads:   [id, customer_id, old_customer_ref]
        writes:  [customer_id, old_customer_ref, total_cents]   # INSERT or UPDATE
        inserts: [customer_id, old_customer_ref, total_cents]   # optional, default: writes
      customers: {}        # used (e.g. DELETE, COUNT(*)), no column named

``"*"`` stands for every column (``SELECT *``, ``INSERT`` without a column list).
Import-light: applications import this through expandcontract.runtime.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

STAR = "*"
FORMAT_VERSION = 1


class ManifestError(ValueError):
    """A manifest document that does not follow the format (message names the field)."""


@dataclass
class TableUse:
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    # None: the version's INSERTs give exactly ``writes`` (when it writes at all).
    inserts: set[str] | None = None

    def references(self, column: str) -> bool:
        cols = self.reads | self.writes | (self.inserts or set())
        return column in cols or STAR in cols

    def insert_columns(self) -> set[str]:
        return self.writes if self.inserts is None else self.inserts

    def to_document(self) -> dict[str, list[str]]:
        doc: dict[str, list[str]] = {}
        if self.reads:
            doc["reads"] = sorted(self.reads)
        if self.writes:
            doc["writes"] = sorted(self.writes)
        if self.inserts is not None:
            doc["inserts"] = sorted(self.inserts)
        return doc


@dataclass
class Manifest:
    tables: dict[str, TableUse] = field(default_factory=dict)
    app: str | None = None
    version: str | None = None

    # -- building ---------------------------------------------------------------------
    def table(self, name: str) -> TableUse:
        return self.tables.setdefault(name, TableUse())

    def add(self, table: str, column: str | None = None, *, write: bool = False,
            insert: bool = False) -> None:
        use = self.table(table)
        if column is None:
            return
        if insert:
            use.inserts = (use.inserts or set()) | {column}
            use.writes.add(column)
        elif write:
            use.writes.add(column)
        else:
            use.reads.add(column)

    def merge(self, other: Manifest) -> None:
        for name, use in other.tables.items():
            mine = self.table(name)
            mine.reads |= use.reads
            mine.writes |= use.writes
            if use.inserts is not None:
                mine.inserts = (mine.inserts or set()) | use.inserts

    # -- lookup -----------------------------------------------------------------------
    def find(self, table: str, schema: str | None = None) -> list[tuple[str, TableUse]]:
        """Entries naming ``table``: a qualified side matches only the same schema."""
        found = []
        for key, use in self.tables.items():
            k_schema, _, k_name = key.rpartition(".")
            if k_name != table:
                continue
            if k_schema and schema and k_schema != schema:
                continue
            found.append((key, use))
        return found

    # -- documents --------------------------------------------------------------------
    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"format_version": FORMAT_VERSION}
        if self.app:
            doc["app"] = self.app
        if self.version:
            doc["version"] = self.version
        doc["tables"] = {name: self.tables[name].to_document() for name in sorted(self.tables)}
        return doc

    def content_hash(self) -> str:
        """Stable over the tables only (app/version live in their own columns)."""
        body = {"tables": self.to_document()["tables"]}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def from_document(cls, doc: Any, where: str = "manifest") -> Manifest:
        if not isinstance(doc, Mapping):
            raise ManifestError(f"{where}: expected a mapping with a 'tables' key")
        unknown = set(doc) - {"format_version", "app", "version", "tables"}
        if unknown:
            raise ManifestError(f"{where}: unknown key {sorted(unknown)[0]!r} "
                                "(expected format_version, app, version, tables)")
        tables = doc.get("tables")
        if not isinstance(tables, Mapping):
            raise ManifestError(f"{where}: 'tables' must be a mapping of table name to uses")
        manifest = cls(app=_opt_str(doc, "app", where), version=_opt_str(doc, "version", where))
        for name, body in tables.items():
            if not isinstance(name, str) or not name:
                raise ManifestError(f"{where}: table names must be non-empty strings")
            body = body or {}
            if not isinstance(body, Mapping):
                raise ManifestError(f"{where}: tables.{name}: expected reads/writes/inserts")
            bad = set(body) - {"reads", "writes", "inserts"}
            if bad:
                raise ManifestError(f"{where}: tables.{name}: unknown key {sorted(bad)[0]!r} "
                                    "(expected reads, writes, inserts)")
            use = manifest.table(name)
            use.reads = _columns(body.get("reads"), f"{where}: tables.{name}.reads")
            use.writes = _columns(body.get("writes"), f"{where}: tables.{name}.writes")
            if "inserts" in body:
                use.inserts = _columns(body.get("inserts"), f"{where}: tables.{name}.inserts")
        return manifest


def _opt_str(doc: Mapping[str, Any], key: str, where: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise ManifestError(f"{where}: {key!r} must be a string")
    return str(value)


def _columns(value: Any, where: str) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ManifestError(f"{where}: expected a list of column names")
    cols = set()
    for item in value:
        if not isinstance(item, str) or not item:
            raise ManifestError(f"{where}: column names must be non-empty strings")
        cols.add(item)
    return cols


def from_metadata(metadata: Any) -> Manifest:
    """Every table and column of a SQLAlchemy MetaData: an ORM reads and writes them all.

    Server-computed columns (Computed, Identity) are read but not written.
    """
    manifest = Manifest()
    for table in metadata.tables.values():
        # str(): SQLAlchemy's quoted_name (case-sensitive names) is a str subclass YAML rejects.
        name = f"{table.schema}.{table.name}" if table.schema else str(table.name)
        use = manifest.table(name)
        for column in table.columns:
            use.reads.add(str(column.name))
            if column.computed is None and column.identity is None:
                use.writes.add(str(column.name))
    return manifest


def coerce(value: Any) -> Manifest | None:
    """A Manifest from what an app passes to register(): a Manifest, a document (dict),
    a SQLAlchemy MetaData, a path to a .json/.yaml file, or None."""
    if value is None or isinstance(value, Manifest):
        return value
    if isinstance(value, Mapping):
        return Manifest.from_document(value)
    if hasattr(value, "tables") and hasattr(value, "sorted_tables"):
        return from_metadata(value)
    if hasattr(value, "metadata") and hasattr(value.metadata, "sorted_tables"):
        return from_metadata(value.metadata)  # a declarative Base
    import os

    if isinstance(value, (str, os.PathLike)):
        return load_file(os.fspath(value))
    raise ManifestError(f"cannot make a manifest from {type(value).__name__}")


def load_file(path: str) -> Manifest:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if path.endswith(".json"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    else:
        import yaml  # PyYAML: only needed for YAML manifests

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            raise ManifestError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    return Manifest.from_document(doc, where=path)
