"""ec alembic split: one revision -> expand and contract branches; the CD order end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.util import CommandError
from alembic_support import plain_project, upgrade
from conftest import run_ec

from expandcontract.alembic.script import read_header


@pytest.fixture(autouse=True)
def _no_env_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EC_DATABASE_URL", raising=False)


def _split(rev: Path, *extra: str) -> list[Path]:
    before = set(rev.parent.glob("*.py"))
    done = run_ec("alembic", "split", str(rev), *extra)
    assert done.returncode == 0, done.stderr
    return sorted(set(rev.parent.glob("*.py")) - before)


def test_split_writes_expand_in_place_and_contract_on_its_own_branch(tmp_path: Path) -> None:
    project = plain_project(tmp_path / "p")
    rev = project / "versions" / "0002_rename_email.py"
    (contract,) = _split(rev)
    expand_h, contract_h = read_header(rev), read_header(contract)
    assert (expand_h.revision, expand_h.down_revisions, expand_h.branch_labels) == \
        ("0002", ("0001",), ("expand",))
    assert contract_h.branch_labels == ("contract",)
    assert contract_h.down_revisions == ("0001",) and contract_h.depends_on == ("0002",)
    assert "ec gate 0002" in contract.read_text()
    # a second revision on the expand branch splits onto both branch heads
    nxt = project / "versions" / "0003_drop_note.py"
    nxt.write_text(rev.read_text().replace("'0002'", "'0003'", 1).replace(
        "down_revision = '0001'", "down_revision = '0002'").replace(
        "branch_labels = ('expand',)", "branch_labels = None").replace(
        "ec_phase", "_was_phase").replace("op.ec_migration(EC_OPS, migration=EC_MIGRATION)",
                                          "op.drop_column('orders', 'note')"))
    (contract3,) = _split(nxt, "--contract-revision", "0003c")
    h3, c3 = read_header(nxt), read_header(contract3)
    assert (h3.down_revisions, h3.branch_labels) == (("0002",), ())
    assert (c3.revision, c3.down_revisions, c3.branch_labels, c3.depends_on) == \
        ("0003c", (contract_h.revision,), (), ("0003",))


def test_splitting_a_split_revision_is_refused(tmp_path: Path) -> None:
    project = plain_project(tmp_path / "p")
    rev = project / "versions" / "0002_rename_email.py"
    _split(rev)
    again = run_ec("alembic", "split", str(rev))
    assert again.returncode == 2
    assert "0002_rename_email.py: already on the expand/contract branches" in again.stderr
    assert "Traceback" not in again.stderr


def test_expand_branch_then_gate_then_contract_branch(ec_db, tmp_path: Path) -> None:
    project = plain_project(tmp_path / "p")
    upgrade(project, ec_db.dsn, "0001")
    ec_db.execute("INSERT INTO orders (customer_id, email, amount) "
                  "SELECT g, 'c' || g, g FROM generate_series(1, 40) g")
    (contract,) = _split(project / "versions" / "0002_rename_email.py")

    upgrade(project, ec_db.dsn, "expand@head")
    assert ec_db.scalar("SELECT version_num FROM alembic_version") == "0002"
    cols = {r[0] for r in ec_db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'")}
    assert {"email", "customer_email", "amount", "note"} <= cols

    # contract before the backfill is verified: ec's gate refuses, alembic does not advance
    with pytest.raises(CommandError, match="contract of 0002 blocked"):
        upgrade(project, ec_db.dsn, "contract@head")
    assert ec_db.scalar("SELECT version_num FROM alembic_version") == "0002"

    assert run_ec("backfill", "0002", "--verify", "--dsn", ec_db.dsn).returncode == 0
    assert run_ec("gate", "0002", "--dsn", ec_db.dsn).returncode == 0
    upgrade(project, ec_db.dsn, "contract@head")
    cols = dict(ec_db.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_name = 'orders'"))
    assert "email" not in cols and cols["amount"] == "bigint"
    assert ec_db.scalar("SELECT sum(amount) FROM orders") == sum(range(1, 41))
    assert ec_db.scalar("SELECT count(*) FROM orders WHERE customer_email = 'c' || customer_id") == 40
    # the contract head depends on the expand revision: alembic records only the former
    assert ec_db.scalar("SELECT version_num FROM alembic_version") == read_header(contract).revision
