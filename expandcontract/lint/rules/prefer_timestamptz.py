"""timestamp (without time zone) stores wall-clock time with no zone: ambiguous instants."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import type_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import column_defs


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    for cd in column_defs(node):
        if type_name(cd.get("typeName"))[0] == "timestamp":
            yield Hit(f"column {cd.get('colname')} is timestamp without time zone: values depend "
                      "on the writer's zone and DST gaps/overlaps", location=cd.get("location"))


RULE = Rule(
    id="prefer-timestamptz",
    severity="warning",
    category="style",
    summary="timestamp without time zone",
    fix="Use timestamptz (timestamp with time zone): an absolute instant.",
    on=("CreateStmt", "AT_AddColumn", "AT_AlterColumnType"),
    check=check,
)
