"""Reading ec's state must not need (or take) the right to create it."""

from __future__ import annotations

from conftest import run_ec
from psycopg.conninfo import make_conninfo


def test_status_as_read_only_role_on_a_fresh_database(ec_db):
    ec_db.execute("DROP ROLE IF EXISTS ec_reader")
    ec_db.execute("CREATE ROLE ec_reader LOGIN")
    try:
        dsn = make_conninfo(ec_db.dsn, user="ec_reader")
        out = run_ec("status", "--dsn", dsn)
        assert out.returncode == 0, out.stderr
        assert "no migrations" in out.stdout.lower()
        out = run_ec("status", "--dsn", dsn, "--format", "json")
        assert out.returncode == 0, out.stderr
        gate = run_ec("gate", "nope", "--dsn", dsn)
        assert gate.returncode == 2 and "unknown migration" in gate.stderr
        # Nothing was created as a side effect.
        assert ec_db.scalar("SELECT to_regnamespace('expandcontract') IS NULL") is True
    finally:
        ec_db.execute("DROP OWNED BY ec_reader")
        ec_db.execute("DROP ROLE ec_reader")
