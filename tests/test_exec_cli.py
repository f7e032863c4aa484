"""ec expand / contract / rollback / status: exit codes, one-line messages, the contract gate,
INVALID index recovery, status output, and durations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from conftest import run_ec
from test_harness_support import EXAMPLES, ec_inprocess, snapshot

from expandcontract.durations import parse_duration
from expandcontract.errors import InputError
from expandcontract.execution import store

RENAME = EXAMPLES / "users_rename_column" / "users_rename_column.yaml"
RENAME_SCHEMA = (EXAMPLES / "users_rename_column" / "schema.sql").read_text()


def _one_error_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith("ec: error:")]
    assert len(lines) == 1, out
    assert "Traceback" not in out
    return lines[0]


def _phase(dsn: str, name: str) -> str | None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        record = store.get_migration(conn, name)
        return record.phase if record else None


@pytest.mark.parametrize("command", ["contract", "rollback", "status"])
def test_unknown_migration_is_bad_input(command: str, ec_db) -> None:
    result = run_ec(command, "no_such_migration", "--dsn", ec_db.dsn)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "ec: error: unknown migration 'no_such_migration': it has never been expanded in this database"
        + (" (see ec status)" if command != "status" else "")
    )


def test_rollback_after_contract_is_refused_and_changes_nothing(ec_db) -> None:
    ec_db.execute(RENAME_SCHEMA)
    assert ec_inprocess("expand", str(RENAME), "--dsn", ec_db.dsn)[0] == 0
    assert ec_inprocess("backfill", "users_rename_column", "--verify", "--dsn", ec_db.dsn)[0] == 0
    assert ec_inprocess("contract", "users_rename_column", "--dsn", ec_db.dsn)[0] == 0
    with ec_db.connect() as conn:
        contracted = snapshot(conn)
    code, out = ec_inprocess("rollback", "users_rename_column", "--dsn", ec_db.dsn)
    assert code == 2
    assert _one_error_line(out) == (
        "ec: error: migration users_rename_column is contracted: rollback is only possible before contract"
    )
    with ec_db.connect() as conn:
        assert snapshot(conn) == contracted
    # Contract again: nothing to do, still fine.
    code, out = ec_inprocess("contract", "users_rename_column", "--dsn", ec_db.dsn)
    assert code == 0 and "already contracted" in out


def test_contract_refused_until_expand_completes_and_wait_times_out(ec_db) -> None:
    ec_db.execute(RENAME_SCHEMA)
    env = {**os.environ, "EC_TEST_PAUSE_AFTER_STEP": "1"}
    env.pop("EC_DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "expandcontract.cli.main", "expand", str(RENAME), "--dsn", ec_db.dsn],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stderr is not None
    assert any(line.startswith("EC_TEST_PAUSED") for line in proc.stderr)  # blocks until paused
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with ec_db.connect() as conn:
        half = snapshot(conn)

    code, out = ec_inprocess("contract", "users_rename_column", "--dsn", ec_db.dsn)
    assert code == 3
    assert "expand: expand is not complete (phase expanding)" in _one_error_line(out)

    code, out = ec_inprocess("contract", "users_rename_column", "--wait", "600ms", "--poll", "200ms",
                             "--dsn", ec_db.dsn)
    assert code == 3
    assert "blocked after waiting 0.6s" in _one_error_line(out)
    assert _phase(ec_db.dsn, "users_rename_column") == "expanding"
    with ec_db.connect() as conn:
        assert snapshot(conn) == half  # never contracted because time ran out


def test_force_needs_reason_and_is_audited(ec_db) -> None:
    ec_db.execute(RENAME_SCHEMA)
    assert ec_inprocess("expand", str(RENAME), "--dsn", ec_db.dsn)[0] == 0
    assert ec_inprocess("backfill", "users_rename_column", "--dsn", ec_db.dsn)[0] == 0  # not verified
    code, out = ec_inprocess("contract", "users_rename_column", "--dsn", ec_db.dsn)
    assert code == 3 and "backfill" in _one_error_line(out)

    code, out = ec_inprocess("contract", "users_rename_column", "--force", "--dsn", ec_db.dsn)
    assert code == 2
    assert "--force needs --reason" in _one_error_line(out)
    assert _phase(ec_db.dsn, "users_rename_column") == "expanded"

    code, out = ec_inprocess("contract", "users_rename_column", "--force", "--reason",
                             "verified by hand in ticket 42", "--dsn", ec_db.dsn)
    assert code == 0, out
    assert _phase(ec_db.dsn, "users_rename_column") == "contracted"
    with ec_db.connect() as conn:
        forced = [e for e in store.audit_entries(conn, "users_rename_column") if e["action"] == "contract forced"]
    assert len(forced) == 1
    assert forced[0]["detail"]["reason"] == "verified by hand in ticket 42"
    assert forced[0]["db_user"] and forced[0]["hostname"] and forced[0]["pid"]
    assert [o["source"] for o in forced[0]["detail"]["overridden"]] == ["backfill"]


def test_different_document_under_same_name(ec_db, tmp_path: Path) -> None:
    ec_db.execute("CREATE TABLE t (a int, b int)")
    first = tmp_path / "m.yaml"
    first.write_text("operations:\n  - create_index: {table: t, name: t_a_idx, columns: [a]}\n")
    second = tmp_path / "other.yaml"
    second.write_text("operations:\n  - create_index: {table: t, name: t_b_idx, columns: [b]}\n")
    assert ec_inprocess("expand", str(first), "--dsn", ec_db.dsn)[0] == 0
    code, out = ec_inprocess("expand", str(second), "--name", "m", "--dsn", ec_db.dsn)
    assert code == 2
    assert _one_error_line(out) == (
        "ec: error: migration m already exists with a different document (phase expanded); "
        "roll it back first (ec rollback m) or pick another --name"
    )
    assert ec_db.scalar("SELECT to_regclass('t_b_idx') IS NULL")
    # Re-running the same document resumes (nothing to do); after a rollback, a new one is fine.
    code, out = ec_inprocess("expand", str(first), "--dsn", ec_db.dsn)
    assert code == 0 and "already expanded" in out
    assert ec_inprocess("rollback", "m", "--dsn", ec_db.dsn)[0] == 0
    assert ec_db.scalar("SELECT to_regclass('t_a_idx') IS NULL")
    code, out = ec_inprocess("expand", str(second), "--name", "m", "--dsn", ec_db.dsn)
    assert code == 0, out
    assert ec_db.scalar("SELECT to_regclass('t_b_idx') IS NOT NULL AND to_regclass('t_a_idx') IS NULL")


def test_failed_concurrent_build_leaves_nothing_and_invalid_leftover_is_rebuilt(ec_db, tmp_path: Path) -> None:
    ec_db.execute("CREATE TABLE t (id int PRIMARY KEY, code text); INSERT INTO t VALUES (1, 'x'), (2, 'x')")
    m = tmp_path / "uniq.yaml"
    m.write_text("operations:\n  - create_index: {table: t, name: t_code_key, columns: [code], unique: true}\n")
    code, out = ec_inprocess("expand", str(m), "--dsn", ec_db.dsn)
    assert code == 4
    line = _one_error_line(out)
    assert "expand step 1/1 (build index t_code_key without blocking writes) failed on t:" in line
    assert "23505" in line
    assert ec_db.scalar("SELECT to_regclass('t_code_key') IS NULL")  # no INVALID index left behind
    with ec_db.connect() as conn:
        journal = store.journal(conn, "uniq", 1, "expand")
    assert journal[0].status == "failed" and "23505" in (journal[0].error or "")

    # An INVALID leftover (as a killed or failed build leaves it) is dropped and rebuilt.
    with pytest.raises(psycopg.errors.UniqueViolation):
        ec_db.execute("CREATE UNIQUE INDEX CONCURRENTLY t_code_key ON t (code)")
    assert ec_db.scalar("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = 't_code_key'::regclass")
    ec_db.execute("UPDATE t SET code = 'y' WHERE id = 2")
    code, out = ec_inprocess("expand", str(m), "--dsn", ec_db.dsn)
    assert code == 0, out
    assert ec_db.scalar("SELECT indisvalid AND indisunique FROM pg_index WHERE indexrelid = 't_code_key'::regclass")


def test_status_json_and_env_dsn(ec_db) -> None:
    ec_db.execute(RENAME_SCHEMA)
    env = {"EC_DATABASE_URL": ec_db.dsn}
    assert run_ec("expand", str(RENAME), env=env).returncode == 0
    result = run_ec("status", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)["migrations"]
    assert item["name"] == "users_rename_column"
    assert item["phase"] == "expanded"
    assert item["expanded_at"] and item["contracted_at"] is None
    assert item["steps"]["done"] == item["steps"]["total"] > 0
    assert item["gate"]["verdict"] == "block"  # the backfill has not run yet
    assert {e["source"] for e in item["gate"]["evidence"]} >= {"expand", "backfill"}
    assert isinstance(item["backfill"], list) and item["backfill"][0]["state"] != "done"
    text = run_ec("status", env=env)
    assert text.returncode == 0
    assert "users_rename_column" in text.stdout and "expanded" in text.stdout


def test_bad_duration_option(ec_db) -> None:
    result = run_ec("expand", str(RENAME), "--lock-timeout", "5x", "--dsn", ec_db.dsn)
    assert result.returncode == 2
    assert "--lock-timeout" in result.stderr and "'5x' is not a valid duration" in result.stderr
    assert result.stderr.count("\n") == 1
    assert ec_db.scalar("SELECT to_regnamespace('expandcontract') IS NULL")  # nothing touched


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("5s", 5), ("2m", 120), ("1h", 3600), ("1h30m", 5400), ("1.5s", 1.5), ("3", 3)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "1h1h", "-1", "s", "m5", "5 s", "nan"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InputError):
        parse_duration(text)


@pytest.mark.parametrize("reason", ["   ", "\t\n", "\u200b", " \u00a0\u200b\u2060 "])
def test_force_with_blank_reason_is_bad_input(reason: str, ec_db) -> None:
    """A reason with no visible character says nothing in the audit log: like no --reason."""
    result = run_ec("contract", "no_such_migration", "--force", "--reason", reason, "--dsn", ec_db.dsn)
    assert result.returncode == 2
    assert result.stderr.strip() == "ec: error: --force needs --reason TEXT (it is recorded in the audit log)"
    assert result.stdout == ""
