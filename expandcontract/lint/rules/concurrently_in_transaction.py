"""CONCURRENTLY (and VACUUM) cannot run inside a transaction block: the migration fails."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import has_option
from ..statement import Statement
from ._base import Hit, Node, Rule


def _what(stmt: Statement, node: Node) -> str | None:
    kind = stmt.kind
    if kind == "IndexStmt" and node.get("concurrent"):
        return "CREATE INDEX CONCURRENTLY"
    if kind == "DropStmt" and node.get("concurrent"):
        return "DROP INDEX CONCURRENTLY"
    if kind == "ReindexStmt" and has_option(node.get("params"), "concurrently"):
        return "REINDEX CONCURRENTLY"
    if kind == "VacuumStmt" and node.get("is_vacuumcmd"):
        return "VACUUM"
    if kind == "AlterTableStmt":
        for cmd in node.get("cmds") or ():
            c = cmd.get("AlterTableCmd", {})
            if (c.get("subtype") == "AT_DetachPartition"
                    and c.get("def", {}).get("PartitionCmd", {}).get("concurrent")):
                return "DETACH PARTITION CONCURRENTLY"
    return None


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if not ctx.in_transaction:
        return
    what = _what(stmt, node)
    if what is None:
        return
    how = ("inside BEGIN ... COMMIT" if ctx.explicit_transaction
           else "in a file that runs in one transaction (--assume-in-transaction / Alembic)")
    yield Hit(f"{what} cannot run inside a transaction block and fails {how}")


RULE = Rule(
    id="concurrently-in-transaction",
    severity="error",
    category="transaction",
    summary="CONCURRENTLY (or VACUUM) inside a transaction block",
    fix="Run it on its own, outside BEGIN ... COMMIT (Alembic: inside "
        "`with op.get_context().autocommit_block():`).",
    on=("IndexStmt", "DropStmt", "ReindexStmt", "VacuumStmt", "AlterTableStmt"),
    check=check,
)
