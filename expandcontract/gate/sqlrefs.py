"""Which tables and columns a SQL statement reads, writes and inserts (sqlglot, postgres).

Used to build manifests from SQL files and query logs, and to read pg_stat_statements.
Unqualified columns are resolved to the one table in their query, else against the live
catalog through ``resolver``; when neither can decide, the column is attributed to every
candidate table: for the gate a false "referenced" only delays contract, a false
"not referenced" breaks an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from .manifest import STAR, Manifest

# (schema or None, table) -> the table's columns, or None when the table is unknown.
Resolver = Callable[[str | None, str], "set[str] | None"]

_QUERY_NODES = (exp.Select, exp.Update, exp.Delete, exp.Insert)


@dataclass(frozen=True)
class Use:
    table: str  # as written: "orders" or "public.orders"
    column: str | None  # None: the table is used; "*": every column
    mode: str  # "read", "write" (UPDATE SET) or "insert" (INSERT column list)


def parse(text: str) -> list[exp.Expression]:
    """Statements of ``text``; raises sqlglot.errors.ParseError when it is not SQL."""
    return [e for e in sqlglot.parse(text, read="postgres") if isinstance(e, exp.Expression)]


def uses_of_text(text: str, resolver: Resolver | None = None) -> list[Use]:
    found: list[Use] = []
    for statement in parse(text):
        found.extend(uses(statement, resolver))
    return found


def uses(statement: exp.Expression, resolver: Resolver | None = None) -> list[Use]:
    """Every table and column use in one parsed statement (empty for DDL and utilities)."""
    ctes = {_norm(cte.args["alias"].this) for cte in statement.find_all(exp.CTE)
            if cte.args.get("alias") is not None}
    found: list[Use] = []
    for node in _query_nodes(statement):
        found.extend(_QueryUses(node, ctes, resolver).run())
    return list(dict.fromkeys(found))


def manifest_of_text(text: str, resolver: Resolver | None = None) -> Manifest:
    manifest = Manifest()
    add_uses(manifest, uses_of_text(text, resolver))
    return manifest


def add_uses(manifest: Manifest, found: list[Use]) -> None:
    for use in found:
        manifest.add(use.table, use.column, write=use.mode == "write", insert=use.mode == "insert")


def _query_nodes(statement: exp.Expression) -> Iterator[exp.Expression]:
    if isinstance(statement, _QUERY_NODES):
        yield statement
    for node in statement.find_all(*_QUERY_NODES):
        if node is not statement:
            yield node


def _norm(node: exp.Expression | str | None) -> str:
    """An identifier as PostgreSQL stores it: unquoted names fold to lower case."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node.lower()
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    return str(node.name).lower()


def _table_key(table: exp.Table) -> str:
    name = _norm(table.this)
    schema = _norm(table.args.get("db")) if table.args.get("db") else ""
    return f"{schema}.{name}" if schema else name


class _QueryUses:
    """Uses inside one query node (SELECT / UPDATE / DELETE / INSERT), not its subqueries."""

    def __init__(self, node: exp.Expression, ctes: set[str], resolver: Resolver | None) -> None:
        self.node = node
        self.ctes = ctes
        self.resolver = resolver
        self.found: list[Use] = []

    def run(self) -> list[Use]:
        sources = self._sources(self.node)
        for key in {k for k in sources.values() if k}:
            self.found.append(Use(key, None, "read"))
        self._stars(sources)
        written = self._written_columns()
        for col in self.node.find_all(exp.Column):
            if _owner(col) is not self.node:
                continue
            mode = written.get(id(col), "read")
            if isinstance(col.this, exp.Star):
                for key in self._lookup_alias(_norm(col.args.get("table")), sources):
                    self.found.append(Use(key, STAR, "read"))
                continue
            column = _norm(col.this)
            if mode == "write" and isinstance(self.node, exp.Update):
                targets = [_table_key(self.node.this)] if isinstance(self.node.this, exp.Table) else []
            else:
                targets = self._resolve(col, column, sources)
            for key in targets:
                self.found.append(Use(key, column, mode))
        return self.found

    # -- sources ----------------------------------------------------------------------
    def _sources(self, node: exp.Expression) -> dict[str, str | None]:
        """alias -> base table key, or None for derived tables and CTEs."""
        items: list[exp.Expression] = []
        if isinstance(node, exp.Select):
            if _from(node) is not None:
                items.append(_from(node).this)  # type: ignore[union-attr]
            items.extend(j.this for j in node.args.get("joins") or [])
        elif isinstance(node, (exp.Update, exp.Delete)):
            items.append(node.this)
            if _from(node) is not None:
                items.append(_from(node).this)  # type: ignore[union-attr]
            items.extend(node.args.get("using") or [])
            items.extend(j.this for j in node.args.get("joins") or [])
        elif isinstance(node, exp.Insert):
            target = node.this.this if isinstance(node.this, exp.Schema) else node.this
            items.append(target)
        sources: dict[str, str | None] = {}
        for item in items:
            if isinstance(item, exp.Table) and isinstance(item.this, exp.Identifier):
                key = _table_key(item)
                is_cte = not item.args.get("db") and key in self.ctes
                alias = _norm(item.args["alias"].this) if item.args.get("alias") else _norm(item.this)
                sources[alias] = None if is_cte else key
                if isinstance(node, exp.Insert):
                    sources["excluded"] = key  # ON CONFLICT ... excluded.col
            elif item.args.get("alias") is not None:
                sources[_norm(item.args["alias"].this)] = None
        return sources

    def _outer_sources(self) -> Iterator[dict[str, str | None]]:
        parent = self.node.parent
        while parent is not None:
            if isinstance(parent, _QUERY_NODES):
                yield self._sources(parent)
            parent = parent.parent

    def _lookup_alias(self, alias: str, sources: dict[str, str | None]) -> list[str]:
        for scope in (sources, *self._outer_sources()):
            if alias in scope:
                key = scope[alias]
                return [key] if key else []
            for key in scope.values():  # schema.table.col written with the table's name
                if key and key.rpartition(".")[2] == alias:
                    return [key]
        return []

    def _resolve(self, col: exp.Column, column: str, sources: dict[str, str | None]) -> list[str]:
        alias = _norm(col.args.get("table")) if col.args.get("table") else ""
        if alias:
            return self._lookup_alias(alias, sources)
        fallback: list[str] = []
        for scope in (sources, *self._outer_sources()):
            bases = sorted({k for k in scope.values() if k})
            derived = any(v is None for v in scope.values())
            if not bases and not derived:
                continue
            if self.resolver is not None:
                having = [k for k in bases if column in (self._columns(k) or set())]
                unknown = [k for k in bases if self._columns(k) is None]
                if having or unknown:
                    return having + unknown
                fallback = fallback or ([] if derived else bases)
                continue  # a derived table's column, or an outer query's
            if len(bases) == 1 and not derived:
                return bases
            return bases  # cannot decide: every candidate (fail safe)
        return fallback

    def _columns(self, key: str) -> set[str] | None:
        assert self.resolver is not None
        schema, _, name = key.rpartition(".")
        return self.resolver(schema or None, name)

    # -- stars and writes -------------------------------------------------------------
    def _stars(self, sources: dict[str, str | None]) -> None:
        node = self.node
        bases = sorted({k for k in sources.values() if k})
        if isinstance(node, exp.Select) and any(isinstance(e, exp.Star) for e in node.expressions):
            self.found.extend(Use(k, STAR, "read") for k in bases)
        returning = node.args.get("returning")
        if returning is not None and any(isinstance(e, exp.Star) for e in returning.expressions):
            self.found.extend(Use(k, STAR, "read") for k in bases)
        if isinstance(node, exp.Insert) and not isinstance(node.this, exp.Schema):
            self.found.extend(Use(k, STAR, "insert") for k in bases)

    def _written_columns(self) -> dict[int, str]:
        node = self.node
        written: dict[int, str] = {}
        sets: list[exp.Expression] = []
        if isinstance(node, exp.Update):
            sets.extend(node.expressions)
        if isinstance(node, exp.Insert):
            if isinstance(node.this, exp.Schema):
                for col in node.this.expressions:
                    if isinstance(col, (exp.Column, exp.Identifier)):
                        written[id(col)] = "insert"
            conflict = node.args.get("conflict")
            if conflict is not None:
                sets.extend(conflict.args.get("expressions") or [])
        for item in sets:
            if isinstance(item, exp.EQ) and isinstance(item.this, exp.Column):
                written[id(item.this)] = "write"
        if isinstance(node, exp.Insert) and isinstance(node.this, exp.Schema):
            # INSERT column lists hold bare identifiers in some sqlglot versions.
            target = _table_key(node.this.this) if isinstance(node.this.this, exp.Table) else ""
            for col in node.this.expressions:
                if isinstance(col, exp.Identifier) and target:
                    self.found.append(Use(target, _norm(col), "insert"))
        return written


def _from(node: exp.Expression) -> exp.Expression | None:
    """The FROM clause: ``from_`` in sqlglot >= 28, ``from`` before."""
    value = node.args.get("from_") or node.args.get("from")
    return value if isinstance(value, exp.Expression) else None


def _owner(node: exp.Expression) -> exp.Expression | None:
    parent = node.parent
    while parent is not None and not isinstance(parent, _QUERY_NODES):
        parent = parent.parent
    return parent
