"""ec's Alembic operations run by `alembic upgrade` (online, in process) and `--sql`."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic_support import EXAMPLE, copy_project, offline_sql, upgrade
from conftest import run_ec


@pytest.fixture(autouse=True)
def _no_env_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EC_DATABASE_URL", raising=False)


def _columns(db, table: str) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", (table,))]


def test_alembic_upgrade_runs_ec_expand_and_ec_contract_finishes_it(ec_db, tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "project")
    upgrade(project, ec_db.dsn, "0001")
    ec_db.execute("INSERT INTO orders (customer_id, email) SELECT g, 'c' || g || '@x' "
                  "FROM generate_series(1, 50) g")

    upgrade(project, ec_db.dsn, "head")

    assert ec_db.scalar("SELECT version_num FROM alembic_version") == "0002"
    assert {"email", "customer_email"} <= set(_columns(ec_db, "orders"))
    # one ec migration per op call, named after the revision, recorded in ec's state
    phases = dict(ec_db.execute("SELECT name, phase FROM expandcontract.migrations"))
    assert phases == {"0002": "expanded", "0002.2": "expanded"}
    assert ec_db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                        "'orders_customer_id_idx'::regclass") is True
    # old and new app versions both work: the sync trigger keeps the two names equal
    ec_db.execute("INSERT INTO orders (customer_id, email) VALUES (100, 'old@app')")
    ec_db.execute("INSERT INTO orders (customer_id, customer_email) VALUES (101, 'new@app')")
    rows = dict(ec_db.execute("SELECT email, customer_email FROM orders WHERE customer_id >= 100"))
    assert rows == {"old@app": "old@app", "new@app": "new@app"}

    assert run_ec("backfill", "0002", "--verify", "--dsn", ec_db.dsn).returncode == 0
    done = run_ec("contract", "0002", "--dsn", ec_db.dsn)
    assert done.returncode == 0, done.stderr
    assert "email" not in _columns(ec_db, "orders")
    assert ec_db.scalar("SELECT count(*) FROM orders WHERE customer_email IS NULL") == 0


def test_rerunning_the_revision_after_ec_expand_skips_what_is_done(ec_db, tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "project")
    upgrade(project, ec_db.dsn, "head")
    # alembic forgets the revision (as after a crash before its version row was written)
    ec_db.execute("UPDATE alembic_version SET version_num = '0001'")
    upgrade(project, ec_db.dsn, "head")
    assert ec_db.scalar("SELECT version_num FROM alembic_version") == "0002"
    assert ec_db.scalar("SELECT count(*) FROM expandcontract.migrations") == 2


def test_offline_sql_has_ec_expand_steps_outside_alembics_transaction(tmp_path: Path) -> None:
    project = copy_project(EXAMPLE, tmp_path / "project")
    out = offline_sql(project, "0001:0002")
    assert "-- ec expand of migration 0002 " in out
    assert "-- ec expand of migration 0002.2 " in out
    assert 'ADD COLUMN IF NOT EXISTS "customer_email"' in out
    index = out.index('CREATE INDEX CONCURRENTLY IF NOT EXISTS "orders_customer_id_idx"')
    # the concurrent build sits after a COMMIT and before the next BEGIN
    assert out.rfind("COMMIT;", 0, index) > out.rfind("BEGIN;", 0, index)
    assert "SET lock_timeout = '2000ms';" in out
    assert "-- then: ec backfill 0002 --verify: copy email into customer_email" in out


def test_a_bad_ec_operation_fails_the_upgrade_before_anything_runs(ec_db, tmp_path: Path) -> None:
    from alembic.util import CommandError

    project = copy_project(EXAMPLE, tmp_path / "project")
    rev = project / "versions" / "0002_rename_email.py"
    rev.write_text(rev.read_text().replace('to="customer_email"', 'to="email"'))
    upgrade(project, ec_db.dsn, "0001")
    with pytest.raises(CommandError, match=r"0002_rename_email\.py:\d+: 'to' is the same name"):
        upgrade(project, ec_db.dsn, "head")
    assert ec_db.scalar("SELECT version_num FROM alembic_version") == "0001"
    assert _columns(ec_db, "orders") == ["id", "customer_id", "email", "amount"]
