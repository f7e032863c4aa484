"""varchar(n) buys nothing over text in PostgreSQL, and raising n later is a migration."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import type_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import column_defs


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    for cd in column_defs(node):
        base, mods, _ = type_name(cd.get("typeName"))
        if base == "varchar" and mods:
            yield Hit(f"column {cd.get('colname')} is varchar({mods[0]}): same storage as text, "
                      "and a length change later is a migration", location=cd.get("location"))


RULE = Rule(
    id="prefer-text",
    severity="info",
    category="style",
    summary="varchar(n) instead of text",
    fix="Use text, with a CHECK (char_length(col) <= n) constraint if the limit is a real rule "
        "(it can be changed with NOT VALID + VALIDATE, no rewrite).",
    on=("CreateStmt", "AT_AddColumn", "AT_AlterColumnType"),
    check=check,
)
