"""Table sizes in `ec plan --dsn`: the row estimate is the planner's (density of the last
ANALYZE scaled to the heap's current size), 0 only for an empty heap, and honestly unknown
for a table that was never analyzed (reltuples = -1), never a made-up "~0 rows"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import run_ec

from expandcontract.catalog import Catalog
from expandcontract.planning.steps import TableRef

MIGRATION = "operations:\n  - add_check: {table: t, name: t_pos, check: \"n > 0\"}\n"


def estimate(ec_db: Any, table: str) -> int | None:
    with ec_db.connect() as conn:
        info = Catalog(conn).table(TableRef(table))
        assert info is not None
        return info.est_rows


def test_never_analyzed_is_unknown_not_zero(ec_db: Any, tmp_path: Path) -> None:
    # autovacuum off on the table: it must not analyze it behind the test's back.
    ec_db.execute(
        "CREATE TABLE t (id int PRIMARY KEY, n int) WITH (autovacuum_enabled = false);"
        "INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g"
    )
    assert ec_db.scalar("SELECT reltuples FROM pg_class WHERE oid = 't'::regclass") <= 0
    path = tmp_path / "m.yaml"
    path.write_text(MIGRATION)

    result = run_ec("plan", str(path), "--dsn", ec_db.dsn, "--format", "json")
    assert result.returncode == 0, result.stderr
    size = json.loads(result.stdout)["phases"]["expand"][0]["table_size"]
    assert size["est_rows"] is None
    assert size["total_bytes"] == ec_db.scalar("SELECT pg_total_relation_size('t')")

    text = run_ec("plan", str(path), "--dsn", ec_db.dsn)
    assert text.returncode == 0, text.stderr
    assert "rows unknown (never analyzed)" in text.stdout
    assert "~0 rows" not in text.stdout

    ec_db.execute("ANALYZE t")
    result = run_ec("plan", str(path), "--dsn", ec_db.dsn, "--format", "json")
    assert json.loads(result.stdout)["phases"]["expand"][0]["table_size"]["est_rows"] == 5000


def test_estimate_follows_growth_since_analyze(ec_db: Any) -> None:
    ec_db.execute(
        "CREATE TABLE t (id int PRIMARY KEY, n int) WITH (autovacuum_enabled = false);"
        "INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g; ANALYZE t;"
        "INSERT INTO t SELECT g, g FROM generate_series(5001, 10000) g"
    )
    assert ec_db.scalar("SELECT reltuples FROM pg_class WHERE oid = 't'::regclass") == 5000
    est = estimate(ec_db, "t")
    assert est is not None
    # Twice the pages since ANALYZE: about twice the rows (pages are filled alike).
    assert abs(est - 10000) <= 300


def test_empty_and_partitioned_tables(ec_db: Any) -> None:
    ec_db.execute(
        "CREATE TABLE e (id int) WITH (autovacuum_enabled = false);"
        "CREATE TABLE p (id int, k int) PARTITION BY RANGE (k);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100) WITH (autovacuum_enabled = false);"
        "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200) WITH (autovacuum_enabled = false);"
        "INSERT INTO p SELECT g, g % 200 FROM generate_series(1, 4000) g"
    )
    assert estimate(ec_db, "e") == 0  # no pages: exactly no rows
    assert estimate(ec_db, "p") is None  # partitions never analyzed
    ec_db.execute("ANALYZE p1; ANALYZE p2")
    assert estimate(ec_db, "p") == 4000
    with ec_db.connect() as conn:
        info = Catalog(conn).table(TableRef("p"))
        assert info is not None
        assert info.total_bytes == ec_db.scalar(
            "SELECT pg_total_relation_size('p1') + pg_total_relation_size('p2')")


def test_locked_table_plans_without_waiting(ec_db: Any, tmp_path: Path) -> None:
    """pg_relation_size takes ACCESS SHARE: behind a session holding ACCESS EXCLUSIVE, the size
    is left out (table_size null) rather than `ec plan` hanging for as long as that session
    lasts; `ec expand` then reaches its first step, whose lock_timeout/retry deadline apply."""
    ec_db.execute("CREATE TABLE t (id int PRIMARY KEY, n int)")
    path = tmp_path / "m.yaml"
    path.write_text(MIGRATION)
    with ec_db.connect() as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        # A hang shows up as the subprocess timeout, well below the holder's lifetime.
        result = run_ec("plan", str(path), "--dsn", ec_db.dsn, "--format", "json", timeout=60)
        assert result.returncode == 0, result.stderr
        step = json.loads(result.stdout)["phases"]["expand"][0]
        assert step["table"] == "t" and step["table_size"] is None

        blocked = run_ec("expand", str(path), "--dsn", ec_db.dsn, "--lock-timeout", "100ms",
                         "--retry-deadline", "1s", timeout=60)
        assert blocked.returncode == 3, blocked.stderr
        holder.execute("ROLLBACK")
    assert ec_db.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 't_pos'") == 0
