"""ADD COLUMN serial / GENERATED ... AS IDENTITY fills every row from a sequence: a rewrite."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, rel_display, rel_name, type_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import SERIAL_TYPES


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    cd = node.get("def", {}).get("ColumnDef", {})
    base = type_name(cd.get("typeName"))[0]
    identity = any(c.get("contype") == "CONSTR_IDENTITY" for c in constraints(cd))
    if base in SERIAL_TYPES or identity:
        what = base if base in SERIAL_TYPES else "an identity column"
        yield Hit(f"ADD COLUMN {cd.get('colname')} as {what} on "
                  f"{rel_display(stmt.node.get('relation'))} takes a sequence value for every "
                  "existing row: the table is rewritten under ACCESS EXCLUSIVE")


RULE = Rule(
    id="ban-add-serial-column",
    severity="error",
    category="locking",
    summary="serial / identity column added to an existing table",
    fix="Add a nullable bigint column, create the sequence and SET DEFAULT nextval(...) "
        "(new rows only), backfill old rows in batches, then make it NOT NULL via a validated "
        "CHECK (and ADD GENERATED ... AS IDENTITY later if you need identity semantics).",
    on=("AT_AddColumn",),
    check=check,
)
