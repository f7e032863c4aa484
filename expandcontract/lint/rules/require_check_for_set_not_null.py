"""SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a validated
CHECK (col IS NOT NULL) already proves it (PostgreSQL 12+)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule

FIX = ("ADD CONSTRAINT name CHECK (col IS NOT NULL) NOT VALID; COMMIT; VALIDATE CONSTRAINT name; "
       "COMMIT; then SET NOT NULL (PostgreSQL 12+ uses the validated CHECK and skips the scan) "
       "and DROP CONSTRAINT name.")
FIX_OLD = ("Before PostgreSQL 12 SET NOT NULL always scans: keep the validated CHECK "
           "(col IS NOT NULL) constraint instead of a NOT NULL column, or upgrade.")


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    table = rel_name(stmt.node.get("relation"))
    if table is None or ctx.is_new(table):
        return
    column = node.get("name", "")
    where = f"{rel_display(stmt.node.get('relation'))}.{column}"
    if ctx.pg_version < 12:
        yield Hit(f"SET NOT NULL on {where} scans the whole table under ACCESS EXCLUSIVE",
                  fix=FIX_OLD)
        return
    validated_in = ctx.validated_not_null.get((table, column))
    if validated_in is None:
        yield Hit(f"SET NOT NULL on {where} scans the whole table under ACCESS EXCLUSIVE: no "
                  "validated CHECK (" + column + " IS NOT NULL) precedes it in this file")
    elif validated_in == ctx.tx_id:
        yield Hit(f"the CHECK ({column} IS NOT NULL) that makes SET NOT NULL on {where} cheap was "
                  "validated in this same transaction, so its scan ran under this transaction's "
                  "ACCESS EXCLUSIVE lock")


RULE = Rule(
    id="require-check-for-set-not-null",
    severity="error",
    category="locking",
    summary="SET NOT NULL without a validated CHECK (col IS NOT NULL) from an earlier transaction",
    fix=FIX,
    on=("AT_SetNotNull",),
    check=check,
)
