"""json keeps the raw text: no indexing, no equality, re-parsed on every access."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import type_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import column_defs


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    for cd in column_defs(node):
        if type_name(cd.get("typeName"))[0] == "json":
            yield Hit(f"column {cd.get('colname')} is json: no GIN indexing or equality operator, "
                      "parsed again on every access", location=cd.get("location"))


RULE = Rule(
    id="prefer-jsonb",
    severity="info",
    category="style",
    summary="json instead of jsonb",
    fix="Use jsonb (keep json only when the exact input text, key order or duplicate keys "
        "must be preserved).",
    on=("CreateStmt", "AT_AddColumn", "AT_AlterColumnType"),
    check=check,
)
