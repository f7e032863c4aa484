"""DROP COLUMN breaks the running app version that still reads or writes the column."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import phase_hit


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    yield phase_hit(ctx, f"DROP COLUMN {rel_display(stmt.node.get('relation'))}."
                         f"{node.get('name')} breaks every query that still uses it")


RULE = Rule(
    id="ban-drop-column",
    severity="error",
    category="breaking",
    summary="DROP COLUMN outside a contract migration",
    fix="Stop using the column in the app first; drop it in a separate migration declared "
        "`-- ec:phase contract`, after `ec gate` shows no running version uses it.",
    on=("AT_DropColumn",),
    check=check,
)
