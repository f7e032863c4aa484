"""Helpers shared by several rules (phase-aware breaking changes, column definitions)."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import Node
from ._base import Hit

CONTRACT_NOTE = ("allowed in a contract migration: `ec gate` must pass first, proving that no "
                 "running app version still uses it")
SPLIT_FIX = ("Declare the phase with `-- ec:phase contract` (Alembic: ec_phase = \"contract\") "
             "in a separate migration that runs only after every app version that uses the "
             "old object is gone, and check it with `ec gate`.")


def phase_hit(ctx: FileContext, message: str, fix: str | None = None) -> Hit:
    """A breaking change: info in a contract migration, error elsewhere."""
    if ctx.phase == "contract":
        return Hit(f"{message}; {CONTRACT_NOTE}", severity="info",
                   fix="Run `ec gate` before this migration and deploy it only when it passes.")
    if ctx.phase == "expand":
        return Hit(f"{message}; an expand migration must stay compatible with the running "
                   "app version", fix=fix or SPLIT_FIX)
    return Hit(f"{message}; the running app version breaks (no ec:phase declared)",
               fix=fix or SPLIT_FIX)


def column_defs(node: Node) -> Iterator[Node]:
    """ColumnDefs of CREATE TABLE, or of an ADD COLUMN / ALTER COLUMN TYPE command."""
    if "tableElts" in node:
        for elt in node.get("tableElts") or ():
            cd = elt.get("ColumnDef")
            if cd is not None:
                yield cd
        return
    cd = node.get("def", {}).get("ColumnDef")
    if cd is not None:
        if node.get("subtype") == "AT_AlterColumnType" and "colname" not in cd:
            cd = {**cd, "colname": node.get("name")}
        yield cd


SERIAL_TYPES = {"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"}
