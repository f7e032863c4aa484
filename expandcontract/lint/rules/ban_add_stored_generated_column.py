"""ADD COLUMN ... GENERATED ALWAYS AS (...) STORED computes every row: a table rewrite."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    cd = node.get("def", {}).get("ColumnDef", {})
    for con in constraints(cd):
        # generated_kind "v" is PostgreSQL 18's VIRTUAL: computed on read, no rewrite.
        if con.get("contype") == "CONSTR_GENERATED" and con.get("generated_kind", "s") == "s":
            yield Hit(f"ADD COLUMN {cd.get('colname')} GENERATED ... STORED rewrites every row of "
                      f"{rel_display(stmt.node.get('relation'))} under ACCESS EXCLUSIVE")


RULE = Rule(
    id="ban-add-stored-generated-column",
    severity="error",
    category="locking",
    summary="ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table",
    fix="Add a plain nullable column, fill it with a trigger for new writes and a batched "
        "backfill for old rows (what ec's expand/backfill does), or use a VIRTUAL generated "
        "column on PostgreSQL 18+.",
    on=("AT_AddColumn",),
    check=check,
)
