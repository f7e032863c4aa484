"""CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build.

A table created earlier in the file is exempt (empty, invisible to other sessions), but not
one created with CREATE TABLE IF NOT EXISTS: that statement does nothing when the table is
already there, possibly with millions of rows, so the index build would block its writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("concurrent") or ctx.is_new(rel_name(node.get("relation"))):
        return
    kind = "unique index" if node.get("unique") else "index"
    yield Hit(f"CREATE {kind.upper()} on {rel_display(node.get('relation'))} without "
              "CONCURRENTLY takes a SHARE lock: every INSERT, UPDATE and DELETE on the table "
              "waits until the whole index is built")


RULE = Rule(
    id="require-concurrent-index",
    severity="error",
    category="locking",
    summary="CREATE INDEX without CONCURRENTLY on an existing table",
    fix="CREATE INDEX CONCURRENTLY, outside a transaction block (it cannot run inside one); "
        "if it fails, DROP INDEX CONCURRENTLY the invalid index and retry.",
    on=("IndexStmt",),
    check=check,
)
