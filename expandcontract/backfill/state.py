"""The backfill's state tables: jobs, leased key ranges, a per-batch log, heartbeat, pause flags.

Everything lives in the target database (schema ``expandcontract``), so a backfill started on
one host can be continued, watched, paused or joined from any other. Append a script to
``_SCRIPTS`` to change the tables; never edit an applied one.
"""

from __future__ import annotations

import psycopg

from ..state.schema import STATE_SCHEMA, ensure_component

S = STATE_SCHEMA

_V1 = f"""
CREATE TABLE {S}.backfill_jobs (
    migration        text NOT NULL,
    idx              integer NOT NULL,
    table_name       text NOT NULL,
    description      text NOT NULL DEFAULT '',
    key_columns      text[] NOT NULL,
    key_types        text[] NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
    -- Keyset frontier: ranges up to here have been handed out; exhausted = the last one was.
    frontier         text[],
    exhausted        boolean NOT NULL DEFAULT false,
    rows_total_est   bigint,
    -- Live figures written every second by running processes (for ec status elsewhere).
    state            text,
    throttle_reason  text,
    batch_size       integer,
    rows_per_second  double precision,
    eta_seconds      double precision,
    lag_seconds      double precision,
    lock_timeouts    bigint NOT NULL DEFAULT 0,
    throttled_seconds double precision NOT NULL DEFAULT 0,
    verified         boolean,
    verify_differences bigint,
    verified_at      timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration, idx)
);
-- A key range (lo, hi] handed to one worker at a time; cursor = last key done in it.
CREATE TABLE {S}.backfill_ranges (
    migration       text NOT NULL,
    idx             integer NOT NULL,
    range_no        integer NOT NULL,
    lo              text[],              -- NULL: from the start of the table
    hi              text[],              -- NULL: to the end of the table (the last range)
    cursor          text[],
    status          text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'done')),
    rows_scanned    bigint NOT NULL DEFAULT 0,
    rows_updated    bigint NOT NULL DEFAULT 0,
    owner           text,
    owner_pid       integer,             -- the owner's backend pid: a vanished one is dead
    owner_backend_start timestamptz,
    lease_expires   timestamptz,
    PRIMARY KEY (migration, idx, range_no),
    FOREIGN KEY (migration, idx) REFERENCES {S}.backfill_jobs ON DELETE CASCADE
);
CREATE INDEX ON {S}.backfill_ranges (migration, idx, status);
CREATE TABLE {S}.backfill_batches (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    migration     text NOT NULL,
    idx           integer NOT NULL,
    range_no      integer NOT NULL,
    worker        text NOT NULL,
    batch_size    integer NOT NULL,
    rows_scanned  integer NOT NULL,
    rows_updated  integer NOT NULL,
    started_at    timestamptz NOT NULL,
    committed_at  timestamptz NOT NULL   -- clock_timestamp() just before COMMIT
);
CREATE INDEX ON {S}.backfill_batches (migration, idx, id);
-- Written on the primary every ~0.5 s, read on each replica: now() - ts is the true lag.
CREATE TABLE {S}.backfill_heartbeat (
    id  integer PRIMARY KEY CHECK (id = 1),
    ts  timestamptz NOT NULL
);
CREATE TABLE {S}.backfill_pause (
    migration  text PRIMARY KEY,
    paused_at  timestamptz NOT NULL DEFAULT now(),
    paused_by  text NOT NULL DEFAULT current_user,
    hostname   text,
    reason     text
);
"""

# The expand round a job belongs to: after rollback and a new expand the target is new again,
# so the last round's job (done, verified) must not count. NULL: a job from before this column.
_V2 = f"ALTER TABLE {S}.backfill_jobs ADD COLUMN expand_round integer"

_SCRIPTS = [_V1, _V2]

JOBS = f"{S}.backfill_jobs"
RANGES = f"{S}.backfill_ranges"
BATCHES = f"{S}.backfill_batches"
HEARTBEAT = f"{S}.backfill_heartbeat"
PAUSE = f"{S}.backfill_pause"


def ensure_state(conn: psycopg.Connection) -> None:
    """Create or upgrade the backfill state tables (idempotent)."""
    ensure_component(conn, "backfill", _SCRIPTS)


def state_exists(conn: psycopg.Connection) -> bool:
    """True when the backfill tables exist (read-only check, for dry runs and evidence)."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (JOBS,)).fetchone()
    return bool(row and row[0])


def set_pause(conn: psycopg.Connection, migration: str, hostname: str, reason: str | None) -> None:
    ensure_state(conn)
    conn.execute(
        f"INSERT INTO {PAUSE} (migration, hostname, reason) VALUES (%s, %s, %s)"
        " ON CONFLICT (migration) DO UPDATE SET paused_at = now(), paused_by = current_user,"
        " hostname = EXCLUDED.hostname, reason = EXCLUDED.reason",
        (migration, hostname, reason),
    )


def clear_pause(conn: psycopg.Connection, migration: str) -> bool:
    ensure_state(conn)
    cur = conn.execute(f"DELETE FROM {PAUSE} WHERE migration = %s", (migration,))
    return cur.rowcount > 0
