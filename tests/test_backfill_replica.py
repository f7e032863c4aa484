"""ec backfill obeys replica lag: paused replay throttles it, a vanished replica pauses it."""

from __future__ import annotations

import time

import pytest
from test_backfill import (
    FILL_B,
    batches_committed,
    hits,
    json_lines,
    make_items,
    popen_ec,
    register,
    wait_for,
)

pytestmark = pytest.mark.replica

POLL = 0.5
MAX_LAG = 1.0


def job_state(db, name: str) -> tuple[str | None, str | None]:
    rows = db.execute(
        "SELECT state, throttle_reason FROM expandcontract.backfill_jobs WHERE migration = %s", (name,))
    return rows[0] if rows else (None, None)


def test_replica_lag_is_obeyed(ec_replicated_db):
    db = ec_replicated_db
    rows = 40_000
    make_items(db, rows, slow_ms=20)
    register(db, "lag", FILL_B)
    proc = popen_ec("backfill", "lag", "--dsn", db.dsn, "--replica", db.replica_dsn(),
                    "--max-lag", f"{MAX_LAG}s", "--poll-interval", f"{POLL}s",
                    "--batch-size", "300", "--format", "json")
    try:
        wait_for(lambda: batches_committed(db, "lag") > 3)
        db.replica.pause_replay()
        with db.replica.connect(db.name) as rconn:
            wait_for(lambda: rconn.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()[0] == "paused")
        paused_at = db.scalar("SELECT clock_timestamp()")
        wait_for(lambda: job_state(db, "lag")[0] == "throttled", timeout=30)
        time.sleep(1.0)
        assert proc.poll() is None
    finally:
        db.replica.resume_replay()
    db.replica.wait_for_replay()
    caught_up_at = db.scalar("SELECT clock_timestamp()")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert hits(db) == {1: rows}
    # Lag passed --max-lag at the latest MAX_LAG after replay stopped: at most one batch (the one
    # in flight) may commit after that and before the replica caught up again.
    late = db.scalar(
        "SELECT count(*) FROM expandcontract.backfill_batches WHERE migration = 'lag'"
        " AND committed_at > %s + make_interval(secs => %s) AND committed_at < %s",
        (paused_at, MAX_LAG, caught_up_at))
    assert late <= 1
    # And it resumed within two polling intervals of the replica catching up.
    resumed = db.scalar(
        "SELECT extract(epoch FROM min(started_at) - %s)::float8 FROM expandcontract.backfill_batches"
        " WHERE migration = 'lag' AND started_at > %s", (caught_up_at, caught_up_at))
    assert resumed is not None and resumed <= 2 * POLL
    reasons = [ln["throttle_reason"] for ln in json_lines(out) if ln["state"] == "throttled"]
    # The heartbeat read on the --replica saw it (pg_stat_replication's replay_lag, which may
    # also throttle here, is stale or NULL while replay is stuck on an idle primary).
    assert any(f"replica 127.0.0.1:{db.replica.port} lag" in r and "--max-lag 1s" in r for r in reasons)


def test_replica_shut_down_pauses_until_it_is_back(ec_replicated_db):
    db = ec_replicated_db
    rows = 30_000
    make_items(db, rows, slow_ms=20)
    register(db, "down", FILL_B)
    proc = popen_ec("backfill", "down", "--dsn", db.dsn, "--replica", db.replica_dsn(),
                    "--poll-interval", f"{POLL}s", "--batch-size", "300", "--format", "json")
    try:
        wait_for(lambda: batches_committed(db, "down") > 3)
        db.replica.stop()
        # The status row (what `ec status` shows elsewhere) names the reason.
        wait_for(lambda: "unreachable" in (job_state(db, "down")[1] or ""), timeout=30)
        count = batches_committed(db, "down")
        time.sleep(1.0)
        assert batches_committed(db, "down") == count
        assert proc.poll() is None
    finally:
        db.replica.start()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert hits(db) == {1: rows}
    reasons = [ln["throttle_reason"] for ln in json_lines(out) if ln["state"] == "throttled"]
    assert any("unreachable" in r for r in reasons)
