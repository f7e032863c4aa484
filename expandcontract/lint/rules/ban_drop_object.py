"""DROP SCHEMA / VIEW / SEQUENCE / TYPE / FUNCTION ... breaks the app version that uses it.

Tables, indexes, constraints and triggers have their own rules (or are not breaking)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import phase_hit

KINDS = {
    "OBJECT_SCHEMA": "SCHEMA", "OBJECT_VIEW": "VIEW", "OBJECT_MATVIEW": "MATERIALIZED VIEW",
    "OBJECT_SEQUENCE": "SEQUENCE", "OBJECT_TYPE": "TYPE", "OBJECT_DOMAIN": "DOMAIN",
    "OBJECT_FUNCTION": "FUNCTION", "OBJECT_PROCEDURE": "PROCEDURE",
    "OBJECT_FOREIGN_TABLE": "FOREIGN TABLE", "OBJECT_EXTENSION": "EXTENSION",
}


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    kind = KINDS.get(node.get("removeType", ""))
    if kind is None:
        return
    yield phase_hit(ctx, f"DROP {kind} breaks the running app version if it still uses it"
                    + (" (CASCADE also drops everything that depends on it)"
                       if node.get("behavior") == "DROP_CASCADE" else ""))


RULE = Rule(
    id="ban-drop-object",
    severity="error",
    category="breaking",
    summary="DROP SCHEMA / VIEW / SEQUENCE / TYPE / FUNCTION ... outside a contract migration",
    fix="Drop it in a separate migration declared `-- ec:phase contract`, after `ec gate` shows "
        "no running version uses it.",
    on=("DropStmt",),
    check=check,
)
