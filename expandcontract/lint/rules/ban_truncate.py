"""TRUNCATE deletes every row under ACCESS EXCLUSIVE: the running app loses its data."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    rels = node.get("relations") or []
    old = [rel_display(r) for r in rels if not ctx.is_new(rel_name(r))]
    if old:
        yield Hit(f"TRUNCATE {', '.join(old)} deletes all rows the running app version uses and "
                  "takes ACCESS EXCLUSIVE")


RULE = Rule(
    id="ban-truncate",
    severity="error",
    category="breaking",
    summary="TRUNCATE of an existing table in a migration",
    fix="Delete the rows you mean to delete in batches (DELETE ... WHERE key range), or keep "
        "data removal out of schema migrations.",
    on=("TruncateStmt",),
    check=check,
)
