"""SET LOGGED / SET UNLOGGED rewrites the table under ACCESS EXCLUSIVE."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    what = "SET LOGGED" if node.get("subtype") == "AT_SetLogged" else "SET UNLOGGED"
    yield Hit(f"{what} rewrites all of {rel_display(stmt.node.get('relation'))} (and writes it "
              "to the WAL) under ACCESS EXCLUSIVE")


RULE = Rule(
    id="ban-set-logged-unlogged",
    severity="error",
    category="locking",
    summary="ALTER TABLE ... SET LOGGED / SET UNLOGGED",
    fix="Create a new table with the wanted persistence, copy in batches and swap, or do it in "
        "a maintenance window.",
    on=("AT_SetLogged", "AT_SetUnLogged"),
    check=check,
)
