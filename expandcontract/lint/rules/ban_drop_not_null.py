"""DROP NOT NULL is safe for the database but not for the running app: once a new version
writes NULLs, old versions that read the column and assume a value (non-optional fields,
arithmetic, NOT NULL in their own copies of the data) break. It is a backward compatible
change for reads only as long as nobody writes NULL, hence a warning, not an error."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    where = f"{rel_display(stmt.node.get('relation'))}.{node.get('name')}"
    if ctx.phase == "contract":
        yield Hit(f"DROP NOT NULL on {where}: make sure no running app version relies on the "
                  "column never being NULL", severity="info")
        return
    yield Hit(f"DROP NOT NULL on {where}: once NULLs are written, running app versions that "
              "assume a value break")


RULE = Rule(
    id="ban-drop-not-null",
    severity="warning",
    category="breaking",
    summary="DROP NOT NULL while old app versions may assume a value",
    fix="Ship app code that tolerates NULL first; make sure no new writer stores NULL until "
        "every running version does (ec gate checks registered versions).",
    on=("AT_DropNotNull",),
    check=check,
)
