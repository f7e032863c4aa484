"""ec's connections work whatever the client's or database's DateStyle."""

from __future__ import annotations

from conftest import EXAMPLES, run_ec

SEED = EXAMPLES / "orders_customer_email"


def test_non_iso_datestyle_does_not_break_status(ec_db):
    ec_db.execute((SEED / "schema.sql").read_text())
    env = {"PGDATESTYLE": "SQL, DMY"}
    expanded = run_ec("expand", str(SEED / "orders_customer_email.yaml"), "--dsn", ec_db.dsn, env=env)
    assert expanded.returncode == 0, expanded.stderr
    status = run_ec("status", "--dsn", ec_db.dsn, "--format", "json", env=env)
    assert status.returncode == 0, status.stderr
    assert "orders_customer_email" in status.stdout
    assert "internal error" not in status.stderr
