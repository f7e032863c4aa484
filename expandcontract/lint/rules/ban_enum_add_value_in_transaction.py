"""ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..statement import Statement
from ._base import Hit, Node, Rule


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if node.get("oldVal") is not None or ctx.pg_version >= 12 or not ctx.in_transaction:
        return
    yield Hit("ALTER TYPE ... ADD VALUE fails inside a transaction block before PostgreSQL 12")


RULE = Rule(
    id="ban-enum-add-value-in-transaction",
    severity="error",
    category="transaction",
    summary="ALTER TYPE ... ADD VALUE inside a transaction (before PostgreSQL 12)",
    fix="Run ADD VALUE on its own, outside BEGIN ... COMMIT (Alembic: in an autocommit_block()); "
        "from PostgreSQL 12 it works in a transaction but the new value is usable only after "
        "COMMIT.",
    on=("AlterEnumStmt",),
    check=check,
)
