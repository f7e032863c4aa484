"""A backfill job: one Backfill of one migration, its options, and its row in the state tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from ..planning.steps import Backfill
from .batching import KeySpec, resolve_key
from .state import BATCHES, JOBS, RANGES, ensure_state


@dataclass(frozen=True)
class Job:
    migration: str
    index: int
    backfill: Backfill
    round: int = 1  # the migration's expand round (a new round starts the backfill over)

    @property
    def label(self) -> str:
        return f"{self.migration}#{self.index} {self.backfill.table.display}"


@dataclass
class Options:
    batch_size: int | None = None  # None: adapt to target_batch_time
    target_batch_time: float = 0.5
    min_batch_size: int = 100
    max_batch_size: int = 200_000
    initial_batch_size: int = 1000
    lock_timeout: float = 2.0
    max_lock_retries: int = 50
    workers: int = 1
    poll_interval: float = 0.5
    lease_ttl: float = 60.0
    replicas: list[str] = field(default_factory=list)
    max_lag: float = 1.0
    max_lag_bytes: int | None = None
    max_slot_lag_bytes: int = 1 << 30
    throttle_query: str | None = None
    max_active_backends: int | None = None
    throttle_on_vacuum: bool = False
    discover_replicas: bool = True
    progress_interval: float = 2.0


@dataclass
class JobState:
    status: str
    rows_scanned: int
    rows_updated: int
    rows_total_est: int
    verified: bool | None


def estimate_rows(conn: psycopg.Connection, key: KeySpec) -> int:
    """reltuples when the table was ever analyzed, else an exact count."""
    row = conn.execute(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", (key.table.sql,)
    ).fetchone()
    if row and row[0] is not None and row[0] > 0:
        return int(row[0])
    counted = conn.execute(f"SELECT count(*) FROM {key.table.sql}").fetchone()  # type: ignore[arg-type]
    return int(counted[0]) if counted else 0


def open_job(conn: psycopg.Connection, job: Job) -> KeySpec:
    """Create the job's row if this is the first process to run it in this expand round (a
    row left by an earlier round is replaced, with its ranges and batch log); return its key."""
    ensure_state(conn)
    key = resolve_key(conn, job.backfill)
    with conn.transaction():
        # Under the row's lock: two processes starting a new round replace it only once.
        row = conn.execute(
            f"SELECT coalesce(expand_round, 1) FROM {JOBS} WHERE migration = %s AND idx = %s FOR UPDATE",
            (job.migration, job.index),
        ).fetchone()
        if row is not None and row[0] == job.round:
            return key
        if row is not None:
            conn.execute(f"DELETE FROM {BATCHES} WHERE migration = %s AND idx = %s", (job.migration, job.index))
            conn.execute(f"DELETE FROM {JOBS} WHERE migration = %s AND idx = %s", (job.migration, job.index))
        conn.execute(
            f"INSERT INTO {JOBS} (migration, idx, table_name, description, key_columns, key_types,"
            " rows_total_est, expand_round) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (job.migration, job.index, job.backfill.table.display, job.backfill.description,
             list(key.columns), list(key.types), estimate_rows(conn, key), job.round),
        )
    return key


def job_state(conn: psycopg.Connection, job: Job) -> JobState | None:
    row = conn.execute(
        f"SELECT j.status, coalesce(sum(r.rows_scanned), 0)::bigint,"
        f" coalesce(sum(r.rows_updated), 0)::bigint, coalesce(j.rows_total_est, 0), j.verified"
        f" FROM {JOBS} j LEFT JOIN {RANGES} r ON r.migration = j.migration AND r.idx = j.idx"
        f" WHERE j.migration = %s AND j.idx = %s GROUP BY j.migration, j.idx",
        (job.migration, job.index),
    ).fetchone()
    return JobState(*row) if row else None
