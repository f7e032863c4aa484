"""VACUUM FULL rewrites the table under ACCESS EXCLUSIVE: no reads or writes until done."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import has_option
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if not node.get("is_vacuumcmd") or not has_option(node.get("options"), "full"):
        return
    if stmt.lock is not None and ctx.is_new(stmt.lock.table):
        return
    yield Hit("VACUUM FULL rewrites the whole table under ACCESS EXCLUSIVE: reads and writes "
              "wait until it finishes")


RULE = Rule(
    id="ban-vacuum-full",
    severity="error",
    category="locking",
    summary="VACUUM FULL",
    fix="Use plain VACUUM (no lock on reads/writes), or pg_repack / pg_squeeze to reclaim space "
        "online.",
    on=("VacuumStmt",),
    check=check,
)
