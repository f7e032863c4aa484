"""CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(node.get("relation"))):
        return
    yield Hit("CLUSTER rewrites the whole table under ACCESS EXCLUSIVE: reads and writes wait "
              "until it finishes")


RULE = Rule(
    id="ban-cluster",
    severity="error",
    category="locking",
    summary="CLUSTER",
    fix="Use pg_repack (--order-by) to reorder a table online, or skip it.",
    on=("ClusterStmt",),
    check=check,
)
