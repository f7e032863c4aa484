"""VALIDATE CONSTRAINT in the transaction that added it NOT VALID keeps the add's lock."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    table = rel_name(stmt.node.get("relation"))
    if not ctx.in_transaction or table is None or ctx.is_new(table):
        return
    if (table, node.get("name", "")) in ctx.not_valid_in_tx:
        yield Hit(f"VALIDATE CONSTRAINT {node.get('name')} runs in the same transaction that "
                  "added it NOT VALID: the lock taken by the ADD (ACCESS EXCLUSIVE for CHECK, "
                  "SHARE ROW EXCLUSIVE for FOREIGN KEY) is held for the whole validation scan")


RULE = Rule(
    id="validate-in-same-transaction",
    severity="error",
    category="transaction",
    summary="VALIDATE CONSTRAINT in the same transaction as the NOT VALID add",
    fix="COMMIT after ADD CONSTRAINT ... NOT VALID and run VALIDATE CONSTRAINT in its own "
        "transaction (or a later migration).",
    on=("AT_ValidateConstraint",),
    check=check,
)
