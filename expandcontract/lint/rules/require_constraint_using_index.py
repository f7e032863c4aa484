"""ADD UNIQUE / PRIMARY KEY / EXCLUDE builds an index under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule

_KINDS = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY",
          "CONSTR_EXCLUSION": "EXCLUDE"}
EXCLUDE_FIX = ("There is no concurrent way to add an exclusion constraint: build the new table "
               "with it and swap, or run it in a maintenance window.")


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    table = rel_display(stmt.node.get("relation"))
    if node.get("subtype") == "AT_AddConstraint":
        cons = [node.get("def", {}).get("Constraint", {})]
    else:
        cons = list(constraints(node.get("def", {}).get("ColumnDef", {})))
    for con in cons:
        kind = _KINDS.get(con.get("contype", ""))
        if kind is None or con.get("indexname"):
            continue
        yield Hit(f"ADD {kind} on {table} builds its index while holding ACCESS EXCLUSIVE: "
                  "reads and writes wait for the whole build",
                  fix=EXCLUDE_FIX if kind == "EXCLUDE" else None)


RULE = Rule(
    id="require-constraint-using-index",
    severity="error",
    category="locking",
    summary="ADD UNIQUE / PRIMARY KEY / EXCLUDE directly instead of USING INDEX",
    fix="CREATE UNIQUE INDEX CONCURRENTLY name ON table (...); then ALTER TABLE table ADD "
        "CONSTRAINT name UNIQUE USING INDEX name (or PRIMARY KEY USING INDEX name; the columns "
        "must already be NOT NULL).",
    on=("AT_AddConstraint", "AT_AddColumn"),
    check=check,
)
