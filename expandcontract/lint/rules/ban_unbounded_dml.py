"""UPDATE or DELETE of a whole table in one statement: a big-bang backfill that row-locks
every row until it commits (blocking the app's writes) and floods WAL and replicas."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("whereClause") is not None or ctx.is_new(rel_name(node.get("relation"))):
        return
    verb = "UPDATE" if stmt.kind == "UpdateStmt" else "DELETE"
    yield Hit(f"{verb} of every row of {rel_display(node.get('relation'))} in one statement "
              "locks all rows until it commits: concurrent writes to any of them wait")


RULE = Rule(
    id="ban-unbounded-dml",
    severity="error",
    category="locking",
    summary="UPDATE / DELETE without WHERE (a big-bang backfill)",
    fix="Backfill in batches by key range, committing each batch (`ec backfill` does this with "
        "throttling on replica lag).",
    on=("UpdateStmt", "DeleteStmt"),
    check=check,
)
