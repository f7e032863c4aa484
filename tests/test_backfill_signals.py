"""Throttle signals, the lock-timeout retry, lease takeover, and the contract evidence."""

from __future__ import annotations

import threading

from conftest import run_ec
from test_backfill import FILL_B, hits, make_items, register, wait_for

from expandcontract.backfill.job import Job, Options
from expandcontract.backfill.runner import run_backfill
from expandcontract.backfill.signals.active_backends import ActiveBackends
from expandcontract.backfill.signals.base import Status
from expandcontract.backfill.signals.custom_query import CustomQuery
from expandcontract.backfill.signals.replica_lag import ReplicaHeartbeat
from expandcontract.execution import store
from expandcontract.execution.precontract import GateOptions


def test_custom_query_and_active_backends_signals(ec_db):
    ec_db.execute("CREATE TABLE knob (busy int)")
    ec_db.execute("INSERT INTO knob VALUES (0)")
    query = CustomQuery("SELECT busy FROM knob")
    with ec_db.connect() as conn:
        assert query.check(conn).status is Status.OK
        ec_db.execute("UPDATE knob SET busy = 3")
        verdict = query.check(conn)
        assert verdict.status is Status.THROTTLE and "3" in verdict.reason
        broken = CustomQuery("SELECT nope FROM knob").check(conn)
        assert broken.status is Status.UNKNOWN and "nope" in broken.reason
        # Another session busy in a query counts; the limit is exclusive.
        with ec_db.connect() as other:
            sleeper = threading.Thread(target=_quietly, args=(other.execute, "SELECT pg_sleep(3)"))
            sleeper.start()
            wait_for(lambda: ActiveBackends(0).check(conn).status is Status.THROTTLE)
            assert "active backends" in ActiveBackends(0).check(conn).reason
            other.cancel()
            sleeper.join()
        assert ActiveBackends(1000).check(conn).status is Status.OK


def test_unreachable_replica_is_unknown_and_names_it(ec_db):
    signal = ReplicaHeartbeat("host=127.0.0.1 port=1 user=x password=sekrit dbname=x connect_timeout=1", 1.0)
    with ec_db.connect() as conn:
        verdict = signal.check(conn)
    assert verdict.status is Status.UNKNOWN
    assert "127.0.0.1:1 unreachable" in verdict.reason and "sekrit" not in verdict.reason


def test_lock_timeout_retries_the_batch_smaller(ec_db):
    make_items(ec_db, 5_000)
    job = Job("lt", 0, FILL_B)
    holder = ec_db.connect(autocommit=False)
    holder.execute("SELECT * FROM items WHERE id = 2500 FOR UPDATE")  # an app transaction
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(snap=run_backfill(
        lambda: ec_db.connect(), job, Options(batch_size=1000, lock_timeout=0.1))))
    runner.start()
    try:
        # The status row counts the timeouts (written every second by the running process).
        wait_for(lambda: ec_db.scalar("SELECT to_regclass('expandcontract.backfill_jobs')"))
        wait_for(lambda: (ec_db.scalar(
            "SELECT lock_timeouts FROM expandcontract.backfill_jobs WHERE migration = 'lt'") or 0) >= 2,
            timeout=30)
    finally:
        holder.rollback()
        holder.close()
    runner.join(timeout=60)
    assert result["snap"]["state"] == "done" and result["snap"]["lock_timeouts"] >= 2
    sizes = [s for (s,) in ec_db.execute(
        "SELECT batch_size FROM expandcontract.backfill_batches WHERE migration = 'lt' ORDER BY id")]
    assert sizes[0] == 1000 and min(sizes) < 1000  # retried smaller after the timeouts
    assert hits(ec_db) == {1: 5_000}


def test_expired_lease_of_a_live_session_is_taken_over(ec_db):
    make_items(ec_db, 3_000)
    job = Job("lease", 0, FILL_B)
    # A first run claims a range and stops right after (as if the process then hung).
    stop = threading.Event()
    with ec_db.connect() as hung:
        pid = hung.info.backend_pid
        snap_stop = threading.Thread(target=lambda: _quietly(run_backfill, lambda: ec_db.connect(), job,
                                                             Options(batch_size=500), stop=stop))
        stop.set()
        snap_stop.start()
        snap_stop.join()
        ec_db.execute("INSERT INTO expandcontract.backfill_ranges (migration, idx, range_no, lo, hi,"
                      " cursor, owner, owner_pid, owner_backend_start, lease_expires)"
                      " SELECT 'lease', 0, 1, NULL, ARRAY['1000'], NULL, 'other-host:1:x', %s,"
                      " (SELECT backend_start FROM pg_stat_activity WHERE pid = %s), now() + interval '1 hour'",
                      (pid, pid))
        ec_db.execute("UPDATE expandcontract.backfill_jobs SET frontier = ARRAY['1000']"
                      " WHERE migration = 'lease'")
        # The owner's session is alive and its lease is valid: the range is left alone.
        run = threading.Thread(target=lambda: _quietly(run_backfill, lambda: ec_db.connect(), job,
                                                       Options(batch_size=500, poll_interval=0.1)))
        run.start()
        wait_for(lambda: ec_db.scalar("SELECT count(*) FROM items WHERE id > 1000 AND hits = 1") == 2000)
        assert ec_db.scalar("SELECT count(*) FROM items WHERE id <= 1000 AND hits > 0") == 0
        # Its lease expires: taken over, and the job completes.
        ec_db.execute("UPDATE expandcontract.backfill_ranges SET lease_expires = now() - interval '1s'"
                      " WHERE migration = 'lease' AND range_no = 1")
        run.join(timeout=60)
    assert hits(ec_db) == {1: 3_000}


def _quietly(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception:
        return None


def test_contract_evidence_requires_complete_and_verified(ec_db):
    make_items(ec_db, 2_000)
    register(ec_db, "ev", FILL_B)
    from expandcontract.backfill.evidence import evidence

    def verdict():
        with ec_db.connect() as conn:
            [ev] = evidence(conn, store.get_migration(conn, "ev"), GateOptions())
        return ev

    first = verdict()
    assert not first.ok and "pending" in first.summary
    assert run_ec("backfill", "ev", "--dsn", ec_db.dsn).returncode == 0
    unverified = verdict()
    assert not unverified.ok and "not verified" in unverified.summary
    assert run_ec("backfill", "ev", "--dsn", ec_db.dsn, "--verify").returncode == 0
    assert verdict().ok
    # A row that drifts back makes verification fail (exit 4) and blocks contract again.
    ec_db.execute("UPDATE items SET b = -1 WHERE id = 7")
    failed = run_ec("backfill", "ev", "--dsn", ec_db.dsn, "--verify")
    assert failed.returncode == 4 and "1 rows" in failed.stderr
    blocked = verdict()
    assert not blocked.ok and "1 rows still differing" in blocked.summary
