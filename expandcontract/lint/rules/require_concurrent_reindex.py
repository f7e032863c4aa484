"""REINDEX without CONCURRENTLY blocks writes, and reads that use the index, for the rebuild."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import has_option, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule

FIX_OLD = ("Before PostgreSQL 12 there is no REINDEX CONCURRENTLY: CREATE INDEX CONCURRENTLY "
           "a copy, DROP INDEX CONCURRENTLY the old one, then rename the copy.")


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if has_option(node.get("params"), "concurrently"):
        return
    rel = rel_name(node.get("relation"))
    if ctx.is_new(rel) or ctx.is_new_index(rel):
        return
    yield Hit("REINDEX without CONCURRENTLY locks out writes to the table, and reads that use "
              "the index, until the rebuild finishes",
              fix=None if ctx.pg_version >= 12 else FIX_OLD)


RULE = Rule(
    id="require-concurrent-reindex",
    severity="error",
    category="locking",
    summary="REINDEX without CONCURRENTLY",
    fix="REINDEX ... CONCURRENTLY (PostgreSQL 12+), outside a transaction block.",
    on=("ReindexStmt",),
    check=check,
)
