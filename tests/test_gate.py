"""The contract gate against real app processes and real PostgreSQL.

Every test expands the seed migration (orders gains customer_email; old_customer_ref is
dropped at contract) and then asks ``ec gate`` / ``ec contract`` while apps run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import EXAMPLES, ROOT, run_ec

from expandcontract.execution.precontract import GateOptions

EXAMPLE = EXAMPLES / "orders_customer_email"
MIGRATION = EXAMPLE / "orders_customer_email.yaml"
NAME = "orders_customer_email"
APP = Path(__file__).parent / "apps" / "orders_app.py"


def _has_command(name: str) -> bool:
    return f"  {name} " in run_ec("--help").stdout


@pytest.fixture
def expanded(ec_db: Any) -> Any:
    """The seed schema, expanded, its backfill done: only live apps can block contract."""
    ec_db.execute((EXAMPLE / "schema.sql").read_text())
    result = run_ec("expand", str(MIGRATION), "--dsn", ec_db.dsn)
    assert result.returncode == 0, result.stderr
    if _has_command("backfill"):
        result = run_ec("backfill", NAME, "--dsn", ec_db.dsn, "--verify")
        assert result.returncode == 0, result.stderr
    else:
        ec_db.execute("UPDATE orders o SET customer_email = c.email FROM customers c"
                      " WHERE c.id = o.customer_id")
    return ec_db


def start_app(dsn: str, version: str, *, interval: float = 0.5,
              driver: str = "psycopg") -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(APP), "--dsn", dsn, "--version", version,
         "--interval", str(interval), "--driver", driver],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("ready "):
        proc.kill()
        raise AssertionError(f"app {version} did not start: {line!r} {proc.stderr.read()!r}")
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def gate(dsn: str, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = run_ec("gate", NAME, "--dsn", dsn, "--format", "json", *args)
    assert result.returncode in (0, 3), result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == ("pass" if result.returncode == 0 else "block")
    return result.returncode, {e["source"]: e for e in data["evidence"]}


def test_live_v1_blocks_and_clean_shutdown_passes_at_once(expanded: Any) -> None:
    v1 = start_app(expanded.dsn, "v1")
    v2 = start_app(expanded.dsn, "v2", driver="sqlalchemy")
    try:
        code, ev = gate(expanded.dsn)
        assert code == 3
        registry = ev["registry"]
        assert registry["verdict"] == "block"
        assert "orders@v1" in registry["summary"] and "old_customer_ref" in registry["summary"]
        rows = {d["version"]: d for d in registry["details"]}
        assert rows["v1"]["status"] == "incompatible"
        assert rows["v1"]["instances"] == 1 and rows["v1"]["hosts"] == [socket.gethostname()]
        assert rows["v2"]["status"] == "compatible"
        # Both apps' own connections are tagged, the SQLAlchemy engine's included.
        activity = {d["version"]: d for d in ev["pg_stat_activity"]["details"]}
        assert activity["v1"]["status"] == "incompatible"
        assert activity["v2"]["status"] == "compatible" and activity["v2"]["connections"] >= 2
        text = run_ec("gate", NAME, "--dsn", expanded.dsn)
        assert text.returncode == 3 and "orders@v1" in text.stdout and "block" in text.stdout

        v1.send_signal(signal.SIGTERM)
        v1.wait(10)
        assert v1.returncode == -signal.SIGTERM  # terminated as it would have been anyway
        code, ev = gate(expanded.dsn)
        assert ev["registry"]["verdict"] == "pass", ev["registry"]
        assert ev["pg_stat_activity"]["verdict"] == "pass", ev["pg_stat_activity"]
        assert code == 0, [e for e in ev.values() if e["verdict"] == "block"]
        assert expanded.scalar(f"SELECT count(*) FROM expandcontract.app_instances"
                               f" WHERE pid = {v1.pid}") == 0
    finally:
        stop(v1)
        stop(v2)


def _registry_verdict(dsn: str, ttl: float) -> tuple[float, bool, float]:
    """(heartbeat age before, registry passes, age after) of the only instance, in-process."""
    from expandcontract.execution.store import get_migration
    from expandcontract.gate.evidence import evidence

    age_sql = ("SELECT extract(epoch FROM clock_timestamp() - max(heartbeat_at))::float8"
               " FROM expandcontract.app_instances")
    with psycopg.connect(dsn, autocommit=True) as conn:
        before = conn.execute(age_sql).fetchone()[0]  # type: ignore[index]
        record = get_migration(conn, NAME)
        found = evidence(conn, record, GateOptions(ttl_seconds=ttl))
        after = conn.execute(age_sql).fetchone()[0]  # type: ignore[index]
    registry = next(e for e in found if e.source == "registry")
    return before, registry.ok, after


def test_killed_v1_blocks_until_ttl_expires(expanded: Any) -> None:
    import time

    ttl = 3.0
    v1 = start_app(expanded.dsn, "v1", interval=0.5)
    v1.kill()  # SIGKILL: no deregistration, the row stays until its TTL
    v1.wait(10)
    verdicts = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        before, ok, after = _registry_verdict(expanded.dsn, ttl)
        verdicts.append(ok)
        if before >= ttl:
            assert ok, f"heartbeat {before:.2f}s old > ttl {ttl}s, but still blocked"
        if after < ttl:
            assert not ok, f"heartbeat only {after:.2f}s old < ttl {ttl}s, but passed"
        if ok:
            break
        time.sleep(0.3)
    assert verdicts[0] is False and verdicts[-1] is True
    assert expanded.scalar("SELECT count(*) FROM expandcontract.app_instances") == 1
    code, ev = gate(expanded.dsn, "--ttl", "3s")
    assert code == 0, ev


def test_unregistered_version_connection_blocks_unless_allowed(expanded: Any) -> None:
    with psycopg.connect(expanded.dsn, application_name="ec:orders@v0"):
        code, ev = gate(expanded.dsn)
        assert code == 3
        activity = ev["pg_stat_activity"]
        assert activity["verdict"] == "block" and "orders@v0" in activity["summary"]
        assert activity["details"][0]["status"] == "unknown"
        assert ev["registry"]["verdict"] == "pass"
        code, ev = gate(expanded.dsn, "--allow-unknown")
        assert code == 0 and ev["pg_stat_activity"]["verdict"] == "pass"


def test_statement_on_removed_column_after_expand_blocks(ec_db: Any) -> None:
    try:
        ec_db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        ec_db.execute("SELECT count(*) FROM pg_stat_statements")
    except psycopg.Error as exc:
        pytest.skip(f"pg_stat_statements is not available on this server: {exc}".splitlines()[0])
    ec_db.execute((EXAMPLE / "schema.sql").read_text())
    old_query = "SELECT id, old_customer_ref FROM orders WHERE id = %s"
    ec_db.execute(old_query, (1,))  # before expand: not evidence
    assert run_ec("expand", str(MIGRATION), "--dsn", ec_db.dsn).returncode == 0
    ec_db.execute("UPDATE orders o SET customer_email = c.email FROM customers c"
                  " WHERE c.id = o.customer_id")
    code, ev = gate(ec_db.dsn)
    # ec expand took the baseline: the query run before expand is not evidence.
    assert ev["pg_stat_statements"]["verdict"] == "pass", ev["pg_stat_statements"]

    ec_db.execute(old_query, (2,))  # an old app version still at work after expand
    ec_db.execute("SELECT id, customer_email FROM orders WHERE id = %s", (3,))  # the new one
    code, ev = gate(ec_db.dsn)
    assert code == 3
    pss = ev["pg_stat_statements"]
    assert pss["verdict"] == "block"
    assert [d["query"] for d in pss["details"]] == [
        "SELECT id, old_customer_ref FROM orders WHERE id = $1"]
    assert pss["details"][0]["calls_since_expand"] == 1
    assert pss["caveats"]
    text = run_ec("gate", NAME, "--dsn", ec_db.dsn)
    assert "SELECT id, old_customer_ref FROM orders WHERE id = $1" in text.stdout


def test_contract_waits_on_blocked_gate_and_force_is_audited(expanded: Any) -> None:
    column_sql = ("SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass"
                  " AND attname = 'old_customer_ref' AND NOT attisdropped")
    v1 = start_app(expanded.dsn, "v1")
    try:
        result = run_ec("contract", NAME, "--dsn", expanded.dsn, "--wait", "5s", "--poll", "1s")
        assert result.returncode == 3, result.stderr
        assert "orders@v1" in result.stderr + result.stdout
        assert expanded.scalar(column_sql) == 1  # still expanded

        result = run_ec("contract", NAME, "--dsn", expanded.dsn, "--force")
        assert result.returncode == 2 and expanded.scalar(column_sql) == 1  # --reason required

        reason = "v1 pods drained by hand, ticket OPS-42"
        result = run_ec("contract", NAME, "--dsn", expanded.dsn, "--force", "--reason", reason)
        assert result.returncode == 0, result.stderr
        assert expanded.scalar(column_sql) == 0
        audit = expanded.execute(
            "SELECT detail FROM expandcontract.audit_log WHERE migration = %s"
            " AND action = 'contract forced'", (NAME,))
        assert len(audit) == 1
        detail = audit[0][0]
        assert detail["reason"] == reason
        assert any(o["source"] == "registry" and "orders@v1" in o["summary"]
                   for o in detail["overridden"])
    finally:
        stop(v1)


def test_zero_ttl_is_bad_input_not_a_pass(expanded: Any) -> None:
    # A TTL of 0 would call every running instance dead and let contract through.
    v1 = start_app(expanded.dsn, "v1")
    try:
        for command in (["gate", NAME], ["contract", NAME]):
            result = run_ec(*command, "--dsn", expanded.dsn, "--ttl", "0s")
            assert result.returncode == 2, result.stdout + result.stderr
            assert result.stderr.count("\n") == 1 and "--ttl" in result.stderr
        assert expanded.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass"
                               " AND attname = 'old_customer_ref' AND NOT attisdropped") == 1
    finally:
        stop(v1)
