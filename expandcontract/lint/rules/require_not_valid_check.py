"""A CHECK constraint added without NOT VALID scans the table under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    table = rel_display(stmt.node.get("relation"))
    if node.get("subtype") == "AT_AddConstraint":
        con = node.get("def", {}).get("Constraint", {})
        if con.get("contype") == "CONSTR_CHECK" and not con.get("skip_validation"):
            yield Hit(f"adding CHECK constraint {con.get('conname') or ''} to {table} checks "
                      "every row while holding ACCESS EXCLUSIVE: reads and writes wait for the "
                      "whole scan".replace("  ", " "))
    elif node.get("subtype") == "AT_AddColumn":
        cd = node.get("def", {}).get("ColumnDef", {})
        if any(c.get("contype") == "CONSTR_CHECK" for c in constraints(cd)):
            yield Hit(f"ADD COLUMN {cd.get('colname')} with a CHECK constraint checks every row "
                      f"of {table} under ACCESS EXCLUSIVE",
                      fix="Add the column without the CHECK, then ADD CONSTRAINT ... CHECK (...) "
                          "NOT VALID, and VALIDATE CONSTRAINT in a later transaction.")


RULE = Rule(
    id="require-not-valid-check",
    severity="error",
    category="locking",
    summary="CHECK constraint added to an existing table without NOT VALID",
    fix="ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) NOT VALID; then, in a separate "
        "transaction, ALTER TABLE ... VALIDATE CONSTRAINT ... (SHARE UPDATE EXCLUSIVE).",
    on=("AT_AddConstraint", "AT_AddColumn"),
    check=check,
)
