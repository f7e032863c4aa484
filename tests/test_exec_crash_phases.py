"""Nothing lost, for contract and rollback too: ``kill -9`` after each contract (rollback) step,
then a re-run, ends in the same schema and data as an uninterrupted contract (rollback); and a
connection terminated by the server (pg_terminate_backend) while a step waits for its lock makes
the run fail cleanly, after which a re-run completes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from conftest import run_ec
from psycopg import sql
from test_exec_crash import EXAMPLE, MIGRATION, NAME, start_paused, wait_lock_released
from test_harness_support import ec_inprocess, ec_leftovers, snapshot, table_data

from expandcontract.execution import store
from expandcontract.testing.servers import Server, unique_db_name

# Rows written in the expanded state by each app version; rollback must keep all of them.
WRITES = """
INSERT INTO users (id, email, name) VALUES (900001, 'old@example.com', 'written by the old version');
INSERT INTO users (id, email, full_name) VALUES (900002, 'new@example.com', 'written by the new version');
UPDATE users SET full_name = 'renamed by the new version' WHERE id = 1;
"""


@dataclass
class Databases:
    """Copies of prepared databases (CREATE DATABASE ... TEMPLATE): cheaper than re-running."""

    server: Server
    created: list[str]

    def copy(self, template: str) -> str:
        name = unique_db_name("ec_crash")
        with self.server.connect() as conn:
            for _ in range(100):  # a just-closed session may still be leaving the template
                try:
                    conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)))
                    break
                except psycopg.errors.ObjectInUse:
                    time.sleep(0.05)
            else:
                raise AssertionError(f"template {template} stayed in use")
        self.created.append(name)
        return self.server.dsn(name)

    def new(self) -> tuple[str, str]:
        name = unique_db_name("ec_crash_tpl")
        dsn = self.server.create_database(name)
        self.created.append(name)
        return name, dsn


@pytest.fixture(scope="module")
def dbs(ec_server: Server) -> Iterator[Databases]:
    found = Databases(ec_server, [])
    yield found
    for name in found.created:
        ec_server.drop_database(name)


def _ok(*args: str) -> str:
    code, out = ec_inprocess(*args)
    assert code == 0, out
    return out


@pytest.fixture(scope="module")
def expanded(dbs: Databases) -> tuple[str, dict, dict]:
    """A template database: expanded, with writes from both versions, backfilled and verified.
    Returns (template name, the pre-expand snapshot, the data as the old version reads it)."""
    name, dsn = dbs.new()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute((EXAMPLE / "schema.sql").read_text().encode())
        before = snapshot(conn)
    _ok("expand", str(MIGRATION), "--dsn", dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(WRITES.encode())
    _ok("backfill", NAME, "--verify", "--dsn", dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        # The sync trigger carried the new version's writes into the old column.
        names = conn.execute("SELECT id, name FROM users WHERE id IN (1, 900002) ORDER BY id").fetchall()
        assert names == [(1, "renamed by the new version"), (900002, "written by the new version")]
        old_shape = table_data(conn, {"public.users": ["created_at", "email", "id", "name"]})
    return name, before, old_shape


def _unexpanded(dbs: Databases) -> str:
    _, dsn = dbs.new()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute((EXAMPLE / "schema.sql").read_text().encode())
    return dsn


def _kill(proc: subprocess.Popen[str], dsn: str) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_lock_released(dsn)


def _journal_complete(conn: psycopg.Connection, phase: str, total: int) -> None:
    journal = store.journal(conn, NAME, 1, phase)
    assert sorted(journal) == list(range(total))
    assert all(e.status in ("done", "skipped") for e in journal.values())


@pytest.mark.parametrize("command", ["contract", "rollback"])
def test_kill_after_each_step_then_rerun_matches_uninterrupted_run(
    command: str, dbs: Databases, expanded: tuple[str, dict, dict],
) -> None:
    template, before, old_shape = expanded
    phase_done = "contracted" if command == "contract" else "rolled_back"
    ref = dbs.copy(template)
    _ok(command, NAME, "--dsn", ref)
    with psycopg.connect(ref, autocommit=True) as conn:
        expected = snapshot(conn)
        expected_data = table_data(conn)
        record = store.get_migration(conn, NAME)
        assert record is not None and record.phase == phase_done
        total = len(record.steps(command))
        assert ec_leftovers(conn) == []
    if command == "rollback":
        assert expected == before  # back to exactly the pre-expand schema
        assert expected_data == old_shape  # with every row written by either version
    assert total >= 3

    for after in range(1, total + 1):
        dsn = dbs.copy(template)
        _kill(start_paused(dsn, after, command, NAME), dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            record = store.get_migration(conn, NAME)
            assert record is not None
            assert record.phase == ("contracting" if command == "contract" else "rolling_back")
            assert snapshot(conn) != expected or after == total  # really stopped half-way
        out = _ok(command, NAME, "--dsn", dsn)
        assert f"{command} {after}/{total}" in out and "(done earlier)" in out
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert snapshot(conn) == expected, f"{command} killed after step {after}"
            assert table_data(conn) == expected_data, f"{command} killed after step {after}"
            assert store.get_migration(conn, NAME).phase == phase_done  # type: ignore[union-attr]
            _journal_complete(conn, command, total)


def _wait_for_lock_wait(conn: psycopg.Connection, proc: subprocess.Popen[str]) -> None:
    """Until ec's step queues for the lock the test holds."""
    for _ in range(400):
        if conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND application_name LIKE 'ec %'"
        ).fetchone() == (1,):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("ec never waited for the lock")


def _terminate(conn: psycopg.Connection, application_name: str) -> None:
    (pid,) = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
        (application_name,),
    ).fetchone() or (None,)
    assert pid is not None and conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


@contextlib.contextmanager
def _behind_lock(dsn: str, args: list[str]) -> Iterator[tuple[psycopg.Connection, subprocess.Popen[str]]]:
    """``ec ARGS`` started while a long transaction (the holder) has read ``users``."""
    holder = psycopg.connect(dsn)  # holds ACCESS SHARE on users until it ends
    holder.execute("SELECT count(*) FROM users").fetchone()
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("EC_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "expandcontract.cli.main", *args, "--dsn", dsn, "--lock-timeout", "60s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        yield holder, proc
    finally:
        holder.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("command", ["expand", "contract", "rollback"])
def test_connection_terminated_while_a_step_waits_then_rerun_completes(
    command: str, dbs: Databases, expanded: tuple[str, dict, dict],
) -> None:
    template, before, old_shape = expanded
    if command == "expand":
        dsn = _unexpanded(dbs)
        args = ["expand", str(MIGRATION)]
    else:
        dsn = dbs.copy(template)
        args = [command, NAME]
    reference = dbs.copy(template) if command != "expand" else None
    if reference:
        _ok(*args, "--dsn", reference)

    with _behind_lock(dsn, args) as (_, proc), psycopg.connect(dsn, autocommit=True) as conn:
        _wait_for_lock_wait(conn, proc)
        _terminate(conn, f"ec {command}")  # the session running the step
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    assert err.count("\n") == 1 and err.startswith(f"ec: error: {command} step 1/"), err
    assert "terminating connection due to administrator command" in err and "Traceback" not in err

    rerun = run_ec(*args, "--dsn", dsn)
    assert rerun.returncode == 0, rerun.stderr
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert ec_leftovers(conn) == [] or command == "expand"
        record = store.get_migration(conn, NAME)
        assert record is not None
        _journal_complete(conn, command, len(record.steps(command)))
        if reference:
            with psycopg.connect(reference, autocommit=True) as ref:
                assert snapshot(conn) == snapshot(ref)
                assert table_data(conn) == table_data(ref)
        else:
            assert record.phase == "expanded"


def test_lost_lock_session_stops_before_the_next_step(dbs: Databases) -> None:
    """The advisory lock lives in its own session; when that session ends, another run could
    start, so this run stops before its next step (the current one finishes and is journalled)."""
    dsn = _unexpanded(dbs)
    with _behind_lock(dsn, ["expand", str(MIGRATION)]) as (holder, proc), \
            psycopg.connect(dsn, autocommit=True) as conn:
        _wait_for_lock_wait(conn, proc)
        _terminate(conn, "ec expand lock")
        holder.rollback()  # step 1 gets its lock and completes
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    assert err.startswith(f"ec: error: lost the lock of migration {NAME} (its database session ended:"), err
    assert err.count("\n") == 1
    with psycopg.connect(dsn, autocommit=True) as conn:
        journal = store.journal(conn, NAME, 1, "expand")
    assert [(i, e.status) for i, e in sorted(journal.items())] == [(0, "done")]
    rerun = run_ec("expand", str(MIGRATION), "--dsn", dsn)
    assert rerun.returncode == 0, rerun.stderr
    with psycopg.connect(dsn, autocommit=True) as conn:
        record = store.get_migration(conn, NAME)
        assert record is not None and record.phase == "expanded"
        _journal_complete(conn, "expand", len(record.steps("expand")))

