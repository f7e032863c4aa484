"""The usual batch: a range this worker has just claimed at the batch's size.

The claim found the range's end, so the batch needs no boundary scan and no value read back
between its steps but one: it is a transaction of two statements (plus BEGIN and COMMIT).

1. The lease check and the update, in one statement: a CTE locks the range row and re-checks
   under the lock that it is still ours, in status 'claimed' and at the cursor we claimed it
   at; the UPDATE's one-time filter needs that CTE before it reads any row, so the lock comes
   first, and its ``set_config(..., true)`` (``SET LOCAL lock_timeout``) covers the row locks
   the UPDATE then waits for. If the range is not ours, nothing is updated.
2. The cursor advance and the batch log, in one statement, with the updated-row count of (1)
   (its command tag) and the same lease condition; 0 rows means the range was not ours.

Why not one statement with ``RETURNING`` to count the rows: collecting a RETURNING row per
updated row costs about 7 % of the update (measured on 200,000-row batches), more than the
extra round trip. The rows and the cursor still commit together or not at all.
"""

from __future__ import annotations

import psycopg

from ..planning.steps import Backfill
from .batching import Key, KeySpec, update_parts
from .state import BATCHES, RANGES

_LEASE = (
    "migration = %s AND idx = %s AND range_no = %s AND owner = %s AND status = 'claimed'"
    " AND cursor IS NOT DISTINCT FROM %s::text[]"
)


def claimed_update_sql(backfill: Backfill, key: KeySpec, lo: Key | None, end: Key | None) -> tuple[str, list[str]]:
    """Statement (1) and its key parameters (after the lease's)."""
    set_clause, where, key_params = update_parts(backfill, key, lo, end)
    sql = (
        f"WITH _ec_lease AS MATERIALIZED (SELECT set_config('lock_timeout', %s, true) FROM {RANGES}"
        f" WHERE {_LEASE} FOR UPDATE)"
        f" UPDATE {key.table.sql} SET {set_clause} WHERE EXISTS (SELECT FROM _ec_lease) AND {where}"
    )
    return sql, key_params


ADVANCE_SQL = (
    f"WITH _ec_range AS (UPDATE {RANGES} SET cursor = %s::text[], rows_scanned = rows_scanned + %s,"
    " rows_updated = rows_updated + %s, status = CASE WHEN %s THEN 'done' ELSE 'claimed' END,"
    f" lease_expires = now() + make_interval(secs => %s) WHERE {_LEASE} RETURNING range_no)"
    f" INSERT INTO {BATCHES} (migration, idx, range_no, worker, batch_size, rows_scanned, rows_updated,"
    " started_at, committed_at) SELECT %s, %s, range_no, %s, %s, %s, %s, now(), clock_timestamp()"
    " FROM _ec_range"
)


def run_claimed_batch(
    conn: psycopg.Connection, backfill: Backfill, key: KeySpec, *, lock_timeout_ms: int,
    migration: str, index: int, range_no: int, owner: str, lo: Key | None, end: Key | None,
    count: int, last: bool, lease_ttl: float, batch_size: int,
) -> int | None:
    """Run it (on an autocommit connection): rows updated, or None when the range is no
    longer ours as claimed (nothing was written then)."""
    lease = [migration, index, range_no, owner, lo]
    sql, key_params = claimed_update_sql(backfill, key, lo, end)
    with conn.transaction():
        updated = conn.execute(
            sql.encode(), [f"{lock_timeout_ms}ms", *lease, *key_params]  # type: ignore[call-overload]
        ).rowcount
        logged = conn.execute(
            ADVANCE_SQL,
            [end, count, updated, last, lease_ttl, *lease, migration, index, owner, batch_size, count, updated],
        ).rowcount
    return updated if logged == 1 else None
