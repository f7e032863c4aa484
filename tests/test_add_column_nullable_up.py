"""A nullable add_column whose ``up`` is NULL for some rows: those rows are already right."""

from __future__ import annotations

import json

from conftest import run_ec

MIGRATION = """
name: t_doubled
operations:
  - add_column:
      table: t
      column: {name: doubled, type: bigint}
      up: (CASE WHEN id % 10 = 0 THEN NULL ELSE id * 2 END)
"""


def test_backfill_verifies_and_gate_passes_when_up_is_sometimes_null(ec_db, tmp_path):
    ec_db.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
    ec_db.execute("INSERT INTO t SELECT generate_series(1, 1000)")
    path = tmp_path / "t_doubled.yaml"
    path.write_text(MIGRATION)
    assert run_ec("expand", str(path), "--dsn", ec_db.dsn).returncode == 0
    backfill = run_ec("backfill", "t_doubled", "--dsn", ec_db.dsn, "--verify")
    assert backfill.returncode == 0, backfill.stderr
    verify = [json.loads(line) for line in backfill.stdout.splitlines()
              if line.startswith("{") and '"verify"' in line]
    assert verify and verify[-1]["differences"] == 0
    assert ec_db.scalar("SELECT count(*) FROM t WHERE doubled IS DISTINCT FROM "
                        "(CASE WHEN id % 10 = 0 THEN NULL ELSE id * 2 END)") == 0
    assert ec_db.scalar("SELECT count(*) FROM t WHERE doubled IS NULL") == 100
    gate = run_ec("gate", "t_doubled", "--dsn", ec_db.dsn)
    assert gate.returncode == 0, gate.stdout + gate.stderr
