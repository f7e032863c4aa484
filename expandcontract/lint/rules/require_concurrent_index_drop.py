"""DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index's table."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import strings
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("removeType") != "OBJECT_INDEX" or node.get("concurrent"):
        return
    names = [strings(o.get("List", {}).get("items"))[-1:] for o in node.get("objects") or ()]
    flat = [n[0] for n in names if n]
    if flat and all(ctx.is_new_index(n) for n in flat):
        return
    yield Hit(f"DROP INDEX {', '.join(flat)} without CONCURRENTLY waits for, then blocks, every "
              "query on the table (ACCESS EXCLUSIVE) while it runs")


RULE = Rule(
    id="require-concurrent-index-drop",
    severity="warning",
    category="locking",
    summary="DROP INDEX without CONCURRENTLY",
    fix="DROP INDEX CONCURRENTLY (one index per statement, outside a transaction block).",
    on=("DropStmt",),
    check=check,
)
