"""RENAME TABLE breaks every query of the running app version that names the old table."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import phase_hit

FIX = ("Rename the table and create a view with the old name (simple views are updatable) in "
       "the expand phase; drop the view in the contract phase, once no app version uses it.")


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("renameType") not in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
        return
    if ctx.is_new(rel_name(node.get("relation"))):
        return
    yield phase_hit(ctx, f"RENAME {rel_display(node.get('relation'))} TO {node.get('newname')} "
                         "breaks every query that still uses the old name", FIX)


RULE = Rule(
    id="ban-rename-table",
    severity="error",
    category="breaking",
    summary="RENAME TABLE / VIEW outside a contract migration",
    fix=FIX,
    on=("RenameStmt",),
    check=check,
)
