"""ADD COLUMN ... NOT NULL without a DEFAULT fails on a non-empty table and breaks the
running app's INSERTs, which do not name the new column."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, rel_display, rel_name, type_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import SERIAL_TYPES

_FILLED = {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    cd = node.get("def", {}).get("ColumnDef", {})
    kinds = {c.get("contype") for c in constraints(cd)}
    if "CONSTR_NOTNULL" not in kinds and "CONSTR_PRIMARY" not in kinds:
        return
    if kinds & _FILLED or type_name(cd.get("typeName"))[0] in SERIAL_TYPES:
        return
    yield Hit(f"ADD COLUMN {cd.get('colname')} NOT NULL without a DEFAULT on "
              f"{rel_display(stmt.node.get('relation'))}: it fails if the table has rows, and "
              "every INSERT of the running app version (which does not set the column) fails")


RULE = Rule(
    id="ban-add-column-not-null-without-default",
    severity="error",
    category="breaking",
    summary="ADD COLUMN ... NOT NULL without a DEFAULT",
    fix="Add the column nullable (or with a constant DEFAULT), backfill it in batches, then "
        "enforce NOT NULL through a validated CHECK constraint in the contract phase.",
    on=("AT_AddColumn",),
    check=check,
)
