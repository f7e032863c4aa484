"""An ACCESS EXCLUSIVE request without lock_timeout can queue behind a long transaction, and
while it waits every other query on the table queues behind it: an outage from a "fast" ALTER.

Reported once per file, at the first such statement; SET [LOCAL] lock_timeout or
set_config('lock_timeout', ...) earlier in the file (and still in effect) satisfies it.
"Still in effect" follows PostgreSQL: a SET inside a transaction that is rolled back (or
rolled back to an earlier savepoint) is undone, SET LOCAL ends with its transaction, and
RESET lock_timeout, RESET ALL, DISCARD ALL, SET lock_timeout = 0 and SET lock_timeout TO
DEFAULT turn it off again.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..locks import ACCESS_EXCLUSIVE
from ..statement import Statement
from ._base import Hit, Node, Rule

_REPORTED = "_require_lock_timeout_reported"


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    lock = stmt.lock
    if lock is None or lock.mode != ACCESS_EXCLUSIVE or ctx.is_new(lock.table):
        return
    if ctx.has_lock_timeout or getattr(ctx, _REPORTED, False):
        return
    setattr(ctx, _REPORTED, True)
    extra = (" (statement_timeout is set, but it also counts execution time and is usually far "
             "too long to protect the queue)") if ctx.has_statement_timeout else ""
    yield Hit(f"this statement takes ACCESS EXCLUSIVE with no lock_timeout set{extra}: if it "
              "waits behind a long transaction, every query on the table queues behind it")


RULE = Rule(
    id="require-lock-timeout",
    severity="warning",
    category="transaction",
    summary="ACCESS EXCLUSIVE step without a lock_timeout set before it",
    fix="SET lock_timeout = '2s' at the top of the migration (SET LOCAL inside the transaction) "
        "and retry on timeout; `ec expand` / `ec contract` do this for you.",
    on=("*",),
    check=check,
)
