"""DROP TABLE breaks the running app version that still uses the table (and loses data)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import strings
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import phase_hit


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("removeType") != "OBJECT_TABLE":
        return
    names = [".".join(strings(o.get("List", {}).get("items"))) for o in node.get("objects") or ()]
    old = [n for n in names if not ctx.is_new(n.rsplit(".", 1)[-1])]
    if old:
        yield phase_hit(ctx, f"DROP TABLE {', '.join(old)} breaks every query that still uses it "
                             "and deletes its data")


RULE = Rule(
    id="ban-drop-table",
    severity="error",
    category="breaking",
    summary="DROP TABLE outside a contract migration",
    fix="Stop using the table in the app first; drop it in a separate migration declared "
        "`-- ec:phase contract`, after `ec gate` shows no running version uses it.",
    on=("DropStmt",),
    check=check,
)
