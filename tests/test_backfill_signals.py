"""Throttle signals, the lock-timeout retry, lease takeover, and the contract evidence."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import run_ec
from test_backfill import FILL_B, hits, make_items, register, wait_for

from expandcontract.backfill.job import Job, Options
from expandcontract.backfill.runner import run_backfill
from expandcontract.backfill.signals.active_backends import ActiveBackends
from expandcontract.backfill.signals.autovacuum import Autovacuum
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


def test_logical_slot_lag_throttles_with_the_reason_until_the_slot_catches_up(ec_db):
    if ec_db.scalar("SHOW wal_level") != "logical":
        pytest.skip("needs wal_level = logical")
    make_items(ec_db, 20_000)
    slot = f"ec_test_{ec_db.name}"[:63]
    # pgoutput: the logical decoding plugin built into every server (test_decoding is a contrib
    # module some builds leave out); no publication is needed to create or advance the slot.
    ec_db.execute("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (slot,))
    try:
        # A consumer that never confirms: every WAL byte the backfill writes is retained for it.
        job = Job("slot", 0, FILL_B)
        options = Options(batch_size=500, max_slot_lag_bytes=1 << 20, poll_interval=0.1)
        result: dict = {}
        runner = threading.Thread(target=lambda: result.update(snap=run_backfill(
            lambda: ec_db.connect(), job, options)))
        runner.start()
        try:
            wait_for(lambda: ec_db.scalar("SELECT to_regclass('expandcontract.backfill_jobs')"))
            state, reason = wait_for(lambda: _throttled(ec_db, "slot"), timeout=60)
            assert state == "throttled" and f"logical slot {slot} (inactive)" in reason
            assert "(limit 1 MB)" in reason
            # Throttled part-way; while it is, nothing more commits (at most the batch in flight
            # when the lag crossed the limit).
            done = ec_db.scalar("SELECT count(*) FROM items WHERE hits = 1")
            assert 0 < done < 20_000
            time.sleep(0.5)  # five polling intervals
            assert _throttled(ec_db, "slot")
            assert ec_db.scalar("SELECT count(*) FROM items WHERE hits = 1") <= done + options.batch_size
        finally:
            # The consumer catches up (confirms everything): the backfill goes on to the end,
            # advancing the slot again whenever the backfill's own WAL crosses the limit.
            def catch_up() -> bool:
                ec_db.execute("SELECT pg_replication_slot_advance(%s, pg_current_wal_lsn())", (slot,))
                return not runner.is_alive()

            wait_for(catch_up, timeout=60, interval=0.2)
            runner.join(timeout=60)
    finally:
        ec_db.execute("SELECT pg_drop_replication_slot(%s)", (slot,))
    assert result["snap"]["state"] == "done"
    assert hits(ec_db) == {1: 20_000}


def _throttled(db, name: str) -> tuple[str, str] | None:
    row = db.execute("SELECT state, throttle_reason FROM expandcontract.backfill_jobs WHERE migration = %s",
                     (name,))
    return row[0] if row and row[0][0] == "throttled" else None


def test_vacuum_of_the_table_throttles_with_throttle_on_vacuum(ec_db):
    make_items(ec_db, 20_000)
    table = FILL_B.table
    # A manual VACUUM made slow by cost-based delay (every page costs the whole budget), so it is
    # still running while we look; pg_stat_progress_vacuum shows manual VACUUMs too.
    vacuum = ec_db.connect()
    vacuum.execute("SET vacuum_cost_limit = 1")
    vacuum.execute("SET vacuum_cost_delay = '100ms'")
    vacuum_pid = vacuum.info.backend_pid
    runner = threading.Thread(target=_quietly, args=(vacuum.execute, "VACUUM (DISABLE_PAGE_SKIPPING) items"))
    runner.start()
    try:
        with ec_db.connect() as conn:
            any_vacuum = Autovacuum(table, any_vacuum=True)
            verdict = wait_for(lambda: _not_ok(any_vacuum.check(conn)))
            assert verdict.status is Status.THROTTLE
            assert f"vacuum running on items (pid {vacuum_pid}," in verdict.reason
            # By default only an anti-wraparound autovacuum throttles: this one does not.
            assert Autovacuum(table).check(conn).status is Status.OK
            # The whole backfill waits while it runs, and shows why.
            job = Job("vac", 0, FILL_B)
            result: dict = {}
            backfill = threading.Thread(target=lambda: result.update(snap=run_backfill(
                lambda: ec_db.connect(), job, Options(batch_size=500, throttle_on_vacuum=True,
                                                      poll_interval=0.1))))
            backfill.start()
            wait_for(lambda: ec_db.scalar("SELECT to_regclass('expandcontract.backfill_jobs')"))
            state, reason = wait_for(lambda: _throttled(ec_db, "vac"))
            assert f"vacuum running on items (pid {vacuum_pid}," in reason
            assert ec_db.scalar("SELECT count(*) FROM items WHERE hits > 0") == 0
            ec_db.execute("SELECT pg_cancel_backend(%s)", (vacuum_pid,))
            runner.join(timeout=30)
            backfill.join(timeout=60)
            assert any_vacuum.check(conn).status is Status.OK
    finally:
        ec_db.execute("SELECT pg_cancel_backend(%s)", (vacuum_pid,))
        runner.join(timeout=30)
        vacuum.close()
    assert result["snap"]["state"] == "done"
    assert hits(ec_db) == {1: 20_000}


def _not_ok(verdict):
    return None if verdict.ok else verdict
