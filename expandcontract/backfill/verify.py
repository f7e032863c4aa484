"""``--verify``: count rows whose target still differs from what ``up`` computes.

Read-only, in keyset batches (each its own short statement), so it holds no long snapshot and
no locks beyond ACCESS SHARE. The result is recorded on the job: contract requires verified.
"""

from __future__ import annotations

import psycopg

from .batching import Key, KeySpec, count_todo_sql, next_boundary
from .job import Job
from .state import JOBS

VERIFY_BATCH = 50_000


def count_differences(conn: psycopg.Connection, job: Job, key: KeySpec, batch: int = VERIFY_BATCH) -> int:
    differences = 0
    cursor: Key | None = None
    while True:
        boundary = next_boundary(conn, key, cursor, None, batch)
        if boundary.count == 0:
            return differences
        sql, params = count_todo_sql(job.backfill, key, cursor, boundary.end)
        row = conn.execute(sql.encode(), params).fetchone()  # type: ignore[call-overload]
        differences += int(row[0]) if row else 0
        if boundary.last:
            return differences
        cursor = boundary.end


def verify(conn: psycopg.Connection, job: Job, key: KeySpec) -> int:
    """Count the differences and record the outcome on the job; returns the count."""
    differences = count_differences(conn, job, key)
    conn.execute(
        f"UPDATE {JOBS} SET verified = (status = 'done' AND %s = 0), verify_differences = %s,"
        " verified_at = now(), updated_at = now() WHERE migration = %s AND idx = %s",
        (differences, differences, job.migration, job.index),
    )
    return differences
