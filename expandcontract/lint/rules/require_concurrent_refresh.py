"""REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view until done."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("concurrent") or node.get("skipData"):
        return
    if ctx.is_new(rel_name(node.get("relation"))):
        return
    yield Hit(f"REFRESH MATERIALIZED VIEW {rel_display(node.get('relation'))} takes ACCESS "
              "EXCLUSIVE: every read of the view waits for the whole refresh")


RULE = Rule(
    id="require-concurrent-refresh",
    severity="error",
    category="locking",
    summary="REFRESH MATERIALIZED VIEW without CONCURRENTLY",
    fix="REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view; reads "
        "continue while it runs).",
    on=("RefreshMatViewStmt",),
    check=check,
)
