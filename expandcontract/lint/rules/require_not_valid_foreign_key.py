"""A foreign key added without NOT VALID scans the table under a lock that blocks writes."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    table = rel_name(stmt.node.get("relation"))
    if ctx.is_new(table):
        return
    if node.get("subtype") == "AT_AddConstraint":
        con = node.get("def", {}).get("Constraint", {})
        if con.get("contype") == "CONSTR_FOREIGN" and not con.get("skip_validation"):
            yield Hit(f"adding a foreign key to {rel_display(stmt.node.get('relation'))} "
                      "validates every row while holding SHARE ROW EXCLUSIVE on both tables: "
                      "writes wait for the whole scan")
    elif node.get("subtype") == "AT_AddColumn":
        cd = node.get("def", {}).get("ColumnDef", {})
        cons = constraints(cd)
        # Without a DEFAULT (even DEFAULT NULL) the new column is NULL in every row and
        # PostgreSQL skips the validation scan (measured: docs/lint/corpus.md).
        has_default = bool(cd.get("raw_default")) or any(
            c.get("contype") in ("CONSTR_DEFAULT", "CONSTR_GENERATED", "CONSTR_IDENTITY") for c in cons)
        if has_default and any(c.get("contype") == "CONSTR_FOREIGN" for c in cons):
            yield Hit(f"ADD COLUMN {cd.get('colname')} ... DEFAULT ... REFERENCES validates the new "
                      "column over the whole table under an ACCESS EXCLUSIVE lock",
                      fix="Add the column without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY "
                          "... NOT VALID, and VALIDATE CONSTRAINT in a later transaction.")


RULE = Rule(
    id="require-not-valid-foreign-key",
    severity="error",
    category="locking",
    summary="FOREIGN KEY added to an existing table without NOT VALID",
    fix="ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID; then, in a separate "
        "transaction, ALTER TABLE ... VALIDATE CONSTRAINT ... (SHARE UPDATE EXCLUSIVE: reads and "
        "writes continue).",
    on=("AT_AddConstraint", "AT_AddColumn"),
    check=check,
)
