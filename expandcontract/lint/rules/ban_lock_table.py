"""LOCK TABLE in a mode that blocks writes (SHARE and above) holds it to the end of the
transaction: how long reads/writes wait depends on everything that follows."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..locks import MODE_NAMES, SHARE
from ..nodes import rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    mode = int(node.get("mode") or 8)
    if mode < SHARE:
        return
    rels = node.get("relations") or []
    if rels and all(ctx.is_new(rel_name(r)) for r in rels):
        return
    yield Hit(f"LOCK TABLE IN {MODE_NAMES[mode]} MODE blocks "
              f"{'reads and writes' if mode == 8 else 'writes'} until the transaction ends")


RULE = Rule(
    id="ban-lock-table",
    severity="warning",
    category="locking",
    summary="explicit LOCK TABLE in a mode that blocks writes",
    fix="Let each statement take the lock it needs, keep the transaction short, and set "
        "lock_timeout; if you must LOCK, do it last and commit right away.",
    on=("LockStmt",),
    check=check,
)
