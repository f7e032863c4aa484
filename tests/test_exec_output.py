"""What machines and logs read: ``--format json`` of expand/contract/rollback checked against
the database state, and ``ec status`` / ``ec gate`` when piped (never cut off at 80 columns)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import psycopg
from conftest import run_ec
from rich.console import Console
from test_harness_support import EXAMPLES

from expandcontract.cli.status import _render, backfill_line
from expandcontract.execution import store

RENAME = EXAMPLES / "users_rename_column" / "users_rename_column.yaml"
RENAME_SCHEMA = (EXAMPLES / "users_rename_column" / "schema.sql").read_text()
LONG = "users_rename_column_for_the_orders_service_" + "x" * 24  # 67 characters
PIPED = {"COLUMNS": "80"}  # what a CI log or `| less` gets


def _json(*args: str) -> tuple[int, dict[str, Any], str]:
    result = run_ec(*args, "--format", "json")
    data = json.loads(result.stdout)  # exactly one JSON document on stdout, also on failure
    assert data["exit_code"] == result.returncode
    assert data["format_version"] == 1
    return result.returncode, data, result.stderr


def _check_steps_against_journal(dsn: str, data: dict[str, Any], phase: str) -> None:
    """Every step in the JSON is the journal's row: same status, attempts and description."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        record = store.get_migration(conn, data["migration"])
        assert record is not None
        assert data["phase"] == record.phase and data["round"] == record.round
        journal = store.journal(conn, record.name, record.round, phase)
        planned = record.steps(phase)
    steps = [s for s in data["steps"] if s["phase"] == phase]
    assert [s["step"] for s in steps] == list(range(1, len(planned) + 1))
    for s in steps:
        entry = journal[s["step"] - 1]
        assert s["total"] == len(planned)
        assert s["description"] == planned[s["step"] - 1].description == entry.description
        if s["status"] == "already":
            assert s["duration_seconds"] is None and s["attempts"] == entry.attempts
        else:
            assert s["status"] == entry.status and s["attempts"] == entry.attempts
            assert isinstance(s["duration_seconds"], float) and s["duration_seconds"] >= 0


def test_json_expand_contract_rollback_match_the_database(ec_db, tmp_path: Path) -> None:
    ec_db.execute(RENAME_SCHEMA)
    code, data, _ = _json("expand", str(RENAME), "--dsn", ec_db.dsn)
    assert code == 0
    assert (data["command"], data["migration"], data["result"]) == ("expand", "users_rename_column", "expanded")
    assert data["gate"] is None and data["error"] is None
    assert {s["status"] for s in data["steps"]} == {"done"}
    _check_steps_against_journal(ec_db.dsn, data, "expand")

    code, data, _ = _json("expand", str(RENAME), "--dsn", ec_db.dsn)
    assert (code, data["result"]) == (0, "already_expanded")
    assert {s["status"] for s in data["steps"]} == {"already"}
    _check_steps_against_journal(ec_db.dsn, data, "expand")

    # Blocked by the gate (the backfill has not run): the evidence, exit 3, still expanded.
    code, data, err = _json("contract", "users_rename_column", "--dsn", ec_db.dsn)
    assert (code, data["result"], data["phase"], data["steps"]) == (3, "blocked", "expanded", [])
    assert err.startswith("ec: error: contract of users_rename_column blocked") and err.count("\n") == 1
    assert data["error"] == err.removeprefix("ec: error: ").strip()
    assert data["gate"]["verdict"] == "block" and data["gate"]["checks"] == 1
    verdicts = {e["source"]: e["verdict"] for e in data["gate"]["evidence"]}
    assert verdicts["backfill"] == "block" and verdicts["expand"] == "pass"
    assert ec_db.scalar("SELECT phase FROM expandcontract.migrations") == "expanded"

    assert run_ec("backfill", "users_rename_column", "--verify", "--dsn", ec_db.dsn).returncode == 0
    code, data, _ = _json("contract", "users_rename_column", "--dsn", ec_db.dsn)
    assert (code, data["result"], data["phase"]) == (0, "contracted", "contracted")
    assert data["gate"]["verdict"] == "pass"
    assert all(e["verdict"] == "pass" for e in data["gate"]["evidence"])
    _check_steps_against_journal(ec_db.dsn, data, "contract")
    assert ec_db.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass"
                        " AND attname = 'name' AND NOT attisdropped") == 0

    # Bad input after contract: exit 2, the phase as it stands, nothing run.
    code, data, _ = _json("rollback", "users_rename_column", "--dsn", ec_db.dsn)
    assert (code, data["result"], data["phase"], data["steps"]) == (2, "bad_input", "contracted", [])

    # A rollback, and a failed step (a unique index over duplicates) with its error.
    ec_db.execute("CREATE TABLE t (id int PRIMARY KEY, code text); INSERT INTO t VALUES (1, 'x'), (2, 'y')")
    m = tmp_path / "t_code.yaml"
    m.write_text("operations:\n  - create_index: {table: t, name: t_code_key, columns: [code], unique: true}\n")
    assert _json("expand", str(m), "--dsn", ec_db.dsn)[0] == 0
    code, data, _ = _json("rollback", "t_code", "--dsn", ec_db.dsn)
    assert (code, data["result"], data["phase"]) == (0, "rolled_back", "rolled_back")
    _check_steps_against_journal(ec_db.dsn, data, "rollback")
    assert ec_db.scalar("SELECT to_regclass('t_code_key') IS NULL")

    ec_db.execute("UPDATE t SET code = 'x'")
    code, data, err = _json("expand", str(m), "--dsn", ec_db.dsn)
    assert (code, data["result"], data["phase"]) == (4, "failed", "expanding")
    (step,) = data["steps"]
    assert step["status"] == "failed" and "23505" in step["error"]
    with psycopg.connect(ec_db.dsn, autocommit=True) as conn:
        entry = store.journal(conn, "t_code", 2, "expand")[0]
    assert entry.status == "failed" and entry.error == step["error"] and entry.attempts == step["attempts"]


def test_piped_status_and_gate_keep_long_names_whole(ec_db) -> None:
    ec_db.execute(RENAME_SCHEMA)
    assert len(LONG) >= 60
    assert run_ec("expand", str(RENAME), "--name", LONG, "--dsn", ec_db.dsn).returncode == 0
    # An app connection tagged with a long name and a version unknown to the registry.
    app, version = "orders-fulfilment-service-eu-west", "2026.11.26-rc17"
    tagged = psycopg.connect(ec_db.dsn, autocommit=True, application_name=f"ec:{app}@{version}")
    try:
        status = run_ec("status", "--dsn", ec_db.dsn, env=PIPED)
        gate = run_ec("gate", LONG, "--dsn", ec_db.dsn, env=PIPED)
    finally:
        tagged.close()
    assert status.returncode == 0, status.stderr
    assert "…" not in status.stdout and "…" not in gate.stdout
    lines = status.stdout.splitlines()
    assert lines[0] == LONG
    with psycopg.connect(ec_db.dsn, autocommit=True) as conn:
        record = store.get_migration(conn, LONG)
    assert record is not None and record.expanded_at is not None and record.expand_started_at is not None
    fields = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:] if line.startswith("  ") and line.split()}
    assert fields["phase"] == "expanded (round 1)"
    assert fields["steps"] == f"expand {len(record.steps('expand'))}/{len(record.steps('expand'))} done"
    assert fields["expand"] == (f"started {record.expand_started_at.isoformat(timespec='seconds')}, "
                                f"finished {record.expanded_at.isoformat(timespec='seconds')}")
    assert fields["backfill"].startswith("#0 users: pending, 0/")
    assert fields["gate"].startswith("block (passing: expand")
    assert f"blocked by pg_stat_activity: {app}@{version} (1 connection) is unknown" in status.stdout
    assert f"ec backfill {LONG} --verify" in status.stdout

    assert gate.returncode == 3
    assert gate.stdout.splitlines()[0] == f"contract gate: {LONG} (expanded)"
    assert f"{app}@{version}: unknown, 1 connection(s) from " in gate.stdout
    block_lines = [line for line in gate.stdout.splitlines() if line.startswith("  block")]
    assert {line.split()[1] for line in block_lines} == {"backfill", "pg_stat_activity"}


def test_status_on_a_terminal_folds_instead_of_cutting() -> None:
    item = {
        "name": LONG, "phase": "expanded", "round": 1, "steps": {"phase": "expand", "total": 5, "done": 5, "failed": []},
        "expand_started_at": None, "expanded_at": None, "contract_started_at": None,
        "contracted_at": None, "rollback_started_at": None, "rolled_back_at": None,
        "backfill": [], "gate": None,
    }
    out = io.StringIO()
    _render(Console(file=out, force_terminal=True, width=130, color_system=None), [item])
    text = out.getvalue()
    assert "…" not in text
    first_column = [line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│")]
    assert "".join(first_column) == LONG  # folded over several lines, every character kept
    # A narrow terminal gets the aligned blocks instead of a squeezed table: nothing cut or split.
    narrow = io.StringIO()
    _render(Console(file=narrow, force_terminal=True, width=80, color_system=None), [item])
    assert "│" not in narrow.getvalue()
    assert any(LONG in line for line in narrow.getvalue().splitlines())


def test_backfill_line_shows_rate_eta_and_throttle_reason() -> None:
    row = {"index": 0, "table": "public.users", "state": "throttled", "rows_done": 1200,
           "rows_total_est": 5000, "percent": 24.0, "rows_per_second": 350.4, "eta_seconds": 611.0,
           "throttle_reason": "replica lag 3.2s > 1s", "verified": None}
    assert backfill_line(row) == (
        "#0 public.users: throttled, 1200/5000 rows (24.0%), 350 rows/s, ETA 10m11s, "
        "throttled: replica lag 3.2s > 1s"
    )
