"""Every statement after one that took ACCESS EXCLUSIVE, in the same transaction, runs while
the table is closed to all reads and writes: the lock is held until COMMIT."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..statement import Statement
from ._base import Hit, Node, Rule

_HARMLESS = {"TransactionStmt", "VariableSetStmt", "VariableShowStmt"}


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    first = ctx.access_exclusive
    if first is None or not ctx.in_transaction or ctx.access_exclusive_reported:
        return
    if stmt.kind in _HARMLESS:
        return
    ctx.access_exclusive_reported = True
    table = first.lock.table if first.lock else None
    yield Hit(f"runs while this transaction holds ACCESS EXCLUSIVE on {table or 'a table'} "
              f"(taken at line {first.line}): reads and writes of it wait for this statement "
              "and everything after it until COMMIT")


RULE = Rule(
    id="ban-statements-after-access-exclusive",
    severity="warning",
    category="transaction",
    summary="more statements after taking ACCESS EXCLUSIVE in the same transaction",
    fix="COMMIT right after the statement that takes ACCESS EXCLUSIVE (one locking step per "
        "transaction), or move it to the end of the transaction.",
    on=("*",),
    check=check,
)
