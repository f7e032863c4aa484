"""ALTER TYPE ... RENAME VALUE breaks the running app version that reads or writes the old
label. (PostgreSQL has no DROP VALUE; dropping a label means recreating the type.)"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import strings
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import phase_hit

FIX = ("Add the new label (ADD VALUE), make the app accept both, migrate rows in batches, and "
       "stop writing the old label; leave the old label in place.")


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("oldVal") is None:
        return
    type_name = ".".join(strings(node.get("typeName")))
    yield phase_hit(ctx, f"RENAME VALUE {node.get('oldVal')!r} of enum {type_name} breaks every "
                         "app version that still uses the old label", FIX)


RULE = Rule(
    id="ban-enum-rename-value",
    severity="error",
    category="breaking",
    summary="ALTER TYPE ... RENAME VALUE of an enum",
    fix=FIX,
    on=("AlterEnumStmt",),
    check=check,
)
