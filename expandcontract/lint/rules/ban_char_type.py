"""char(n) pads with spaces, compares surprisingly and is no faster than text."""

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
        if base == "bpchar":
            yield Hit(f"column {cd.get('colname')} is char({mods[0] if mods else 1}): blank-padded, "
                      "with surprising comparison and length semantics", location=cd.get("location"))


RULE = Rule(
    id="ban-char-type",
    severity="info",
    category="style",
    summary="char(n) column",
    fix="Use text (with a CHECK constraint for a fixed length if it matters).",
    on=("CreateStmt", "AT_AddColumn", "AT_AlterColumnType"),
    check=check,
)
