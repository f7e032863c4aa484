"""The usual batch as ONE statement: lease check, update, cursor advance and batch log.

Most batches cover a range this worker has just claimed at the batch's size, so the batch's
end is already known (the claim found it). Such a batch needs no boundary scan and no value
read back between its steps, so it is sent as a single autocommit statement with
data-modifying CTEs: one round trip and one transaction, instead of BEGIN, four statements
and COMMIT. Being one statement, it is one transaction: the rows and the cursor advance
commit together or not at all, exactly as in the multi-statement form (worker._batch).

Order inside the statement: the range row is locked first (``_lease``, an InitPlan the
UPDATE's one-time filter needs before it reads any row), re-checked under the lock to still
be ours, in status 'claimed' and at the expected cursor; if not, nothing is written. Its
``set_config(..., true)`` is ``SET LOCAL lock_timeout`` and applies to the row-lock waits of
the UPDATE that follows. The range and log writes are not referenced by the final SELECT, so
PostgreSQL runs them after it, when the updated-row count is known.
"""

from __future__ import annotations

import psycopg

from ..planning.steps import Backfill
from .batching import Key, KeySpec, update_parts
from .state import BATCHES, RANGES


def claimed_batch_sql(backfill: Backfill, key: KeySpec, lo: Key | None, end: Key | None) -> tuple[str, list[str]]:
    """The statement's text and its key parameters (the rest are bound by run_claimed_batch)."""
    set_clause, where, key_params = update_parts(backfill, key, lo, end)
    sql = (
        f"WITH _ec_lease AS MATERIALIZED (SELECT set_config('lock_timeout', %s, true) FROM {RANGES}"
        " WHERE migration = %s AND idx = %s AND range_no = %s AND owner = %s AND status = 'claimed'"
        " AND cursor IS NOT DISTINCT FROM %s::text[] FOR UPDATE),"
        f" _ec_done AS (UPDATE {key.table.sql} SET {set_clause}"
        f" WHERE EXISTS (SELECT FROM _ec_lease) AND {where} RETURNING 1),"
        " _ec_n AS MATERIALIZED (SELECT count(*) AS n FROM _ec_done),"
        f" _ec_range AS (UPDATE {RANGES} SET cursor = %s::text[], rows_scanned = rows_scanned + %s,"
        " rows_updated = rows_updated + (SELECT n FROM _ec_n),"
        " status = CASE WHEN %s THEN 'done' ELSE 'claimed' END,"
        " lease_expires = now() + make_interval(secs => %s)"
        " WHERE migration = %s AND idx = %s AND range_no = %s AND EXISTS (SELECT FROM _ec_lease)),"
        f" _ec_log AS (INSERT INTO {BATCHES} (migration, idx, range_no, worker, batch_size,"
        " rows_scanned, rows_updated, started_at, committed_at)"
        " SELECT %s, %s, %s, %s, %s, %s, n, now(), clock_timestamp() FROM _ec_n"
        " WHERE EXISTS (SELECT FROM _ec_lease))"
        " SELECT EXISTS (SELECT FROM _ec_lease), (SELECT n FROM _ec_n)"
    )
    return sql, key_params


def run_claimed_batch(
    conn: psycopg.Connection, backfill: Backfill, key: KeySpec, *, lock_timeout_ms: int,
    migration: str, index: int, range_no: int, owner: str, lo: Key | None, end: Key | None,
    count: int, last: bool, lease_ttl: float, batch_size: int,
) -> int | None:
    """Run it on an autocommit connection: rows updated, or None when the range is no longer
    ours as claimed (nothing was written then)."""
    sql, key_params = claimed_batch_sql(backfill, key, lo, end)
    params: list[object] = [
        f"{lock_timeout_ms}ms", migration, index, range_no, owner, lo,
        *key_params,
        end, count, last, lease_ttl, migration, index, range_no,
        migration, index, range_no, owner, batch_size, count,
    ]
    row = conn.execute(sql.encode(), params).fetchone()  # type: ignore[call-overload]
    if row is None or not row[0]:
        return None
    return int(row[1])
