"""Crash safety: kill -9 of ``ec expand`` after each step, then a re-run, ends in the same
schema as an uninterrupted run; a second concurrent run of the same migration is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
from conftest import run_ec
from test_harness_support import EXAMPLES, snapshot, table_columns, table_data

from expandcontract.execution import store
from expandcontract.execution.lock import LOCK_CLASS, lock_key
from expandcontract.testing.servers import unique_db_name

EXAMPLE = EXAMPLES / "users_rename_column"
MIGRATION = EXAMPLE / "users_rename_column.yaml"
NAME = "users_rename_column"


def _fresh(server) -> tuple[str, str]:
    name = unique_db_name("ec_crash")
    dsn = server.create_database(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute((EXAMPLE / "schema.sql").read_text().encode())
    return name, dsn


def start_paused(dsn: str, after: int, *args: str) -> subprocess.Popen[str]:
    """``ec ARGS`` (default: expand the example) paused after step ``after``, still running."""
    args = args or ("expand", str(MIGRATION))
    env = {**os.environ, "EC_TEST_PAUSE_AFTER_STEP": str(after), "NO_COLOR": "1"}
    env.pop("EC_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "expandcontract.cli.main", *args, "--dsn", dsn],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("EC_TEST_PAUSED"):
            return proc
    proc.wait()
    raise AssertionError(f"ec {args[0]} ended (exit {proc.returncode}) before pausing after step {after}")


def wait_lock_released(dsn: str) -> None:
    """kill -9 closes the socket; wait until the server has ended that session (and its lock)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(200):
            held = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
                (LOCK_CLASS, lock_key(NAME)),
            ).fetchone()
            if held and held[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("the killed run's advisory lock was never released")


def test_kill_after_each_step_then_rerun_matches_uninterrupted_run(ec_server) -> None:
    ref_name, ref_dsn = _fresh(ec_server)
    try:
        result = run_ec("expand", str(MIGRATION), "--dsn", ref_dsn)
        assert result.returncode == 0, result.stderr
        with psycopg.connect(ref_dsn, autocommit=True) as conn:
            expected = snapshot(conn)
            record = store.get_migration(conn, NAME)
            assert record is not None
            total = len(record.steps("expand"))
    finally:
        ec_server.drop_database(ref_name)
    assert total >= 3  # column, sync trigger, index: enough steps to crash between

    for after in range(1, total + 1):
        name, dsn = _fresh(ec_server)
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                old_columns = table_columns(conn)
                data_before = table_data(conn)
            proc = start_paused(dsn, after)
            if after == 1:
                # A second run while the first holds the migration: refused, naming the holder.
                second = run_ec("expand", str(MIGRATION), "--dsn", dsn)
                assert second.returncode == 3, second.stderr
                assert f"migration {NAME} is being run (expand) by pid {proc.pid}" in second.stderr
                assert second.stderr.count("\n") == 1
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            wait_lock_released(dsn)
            with psycopg.connect(dsn, autocommit=True) as conn:
                record = store.get_migration(conn, NAME)
                assert record is not None and record.phase == "expanding"
                assert snapshot(conn) != expected or after == total
            rerun = run_ec("expand", str(MIGRATION), "--dsn", dsn)
            assert rerun.returncode == 0, rerun.stderr
            assert f"migration {NAME} expanded" in rerun.stdout
            with psycopg.connect(dsn, autocommit=True) as conn:
                assert snapshot(conn) == expected, f"killed after step {after}"
                assert table_data(conn, old_columns) == data_before
                journal = store.journal(conn, NAME, 1, "expand")
                assert sorted(journal) == list(range(total))
                assert all(e.status in ("done", "skipped") for e in journal.values())
        finally:
            ec_server.drop_database(name)
