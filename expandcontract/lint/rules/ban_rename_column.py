"""RENAME COLUMN breaks every query of the running app version that names the old column."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import phase_hit

FIX = ("Expand: add the new column, sync both with a trigger, backfill; switch the app; "
       "contract: drop the old column (an ec rename_column migration). Or keep the old name "
       "for the app through a view.")


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("renameType") != "OBJECT_COLUMN" or ctx.is_new(rel_name(node.get("relation"))):
        return
    yield phase_hit(ctx, f"RENAME COLUMN {rel_display(node.get('relation'))}."
                         f"{node.get('subname')} TO {node.get('newname')} breaks every query "
                         "that still uses the old name", FIX)


RULE = Rule(
    id="ban-rename-column",
    severity="error",
    category="breaking",
    summary="RENAME COLUMN outside a contract migration",
    fix=FIX,
    on=("RenameStmt",),
    check=check,
)
