"""Manifests (YAML, SQL, logs, SQLAlchemy MetaData), SQL references and requirement checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_ec

from expandcontract.gate.manifest import Manifest, ManifestError
from expandcontract.gate.requirements import violations
from expandcontract.gate.sqlrefs import manifest_of_text
from expandcontract.planning.steps import Requirement, RequirementKind, TableRef

ORDERS = TableRef("orders")
DROP_OLD = Requirement(RequirementKind.NOT_REFERENCED, ORDERS, "old_customer_ref", "drop")
WRITES_EMAIL = Requirement(RequirementKind.WRITES, ORDERS, "customer_email", "not null")
NO_LEGACY = Requirement(RequirementKind.TABLE_NOT_REFERENCED, TableRef("legacy"), None, "drop")


def whys(manifest: Manifest) -> list[str]:
    return [v.why for v in violations(manifest, [DROP_OLD, WRITES_EMAIL, NO_LEGACY])]


def test_requirements_against_hand_written_manifests() -> None:
    v1 = Manifest.from_document({"tables": {
        "orders": {"reads": ["id", "old_customer_ref"], "writes": ["customer_id"]},
        "public.legacy": {}}})
    assert whys(v1) == ["reads orders.old_customer_ref", "inserts into orders without customer_email",
                        "uses table public.legacy"]
    v2 = Manifest.from_document({"tables": {"orders": {
        "reads": ["id"], "writes": ["customer_id", "customer_email"]}}})
    assert whys(v2) == []
    # Updates only (inserts: []) never violate WRITES; a qualified other schema is another table.
    updater = Manifest.from_document({"tables": {"orders": {"writes": ["total_cents"],
                                                            "inserts": []}},
                                      })
    assert whys(updater) == []
    # An unqualified requirement matches the table in any schema (search_path decides).
    assert whys(Manifest.from_document({"tables": {"archive.orders": {"reads": ["*"]}}})) == [
        "reads archive.orders.* (every column, old_customer_ref included)"]
    qualified = Requirement(RequirementKind.NOT_REFERENCED, TableRef("orders", "public"), "x", "")
    assert violations(Manifest.from_document({"tables": {"archive.orders": {"reads": ["x"]}}}),
                      [qualified]) == []
    star = Manifest.from_document({"tables": {"orders": {"reads": ["*"]}}})
    assert whys(star) == ["reads orders.* (every column, old_customer_ref included)"]


@pytest.mark.parametrize("doc, message", [
    ({"tables": {"orders": {"reads": "id"}}}, "tables.orders.reads: expected a list"),
    ({"tables": {"orders": {"selects": ["id"]}}}, "unknown key 'selects'"),
    ({"tabels": {}}, "unknown key 'tabels'"),
])
def test_bad_manifest_documents_name_the_field(doc: Any, message: str) -> None:
    with pytest.raises(ManifestError, match=message):
        Manifest.from_document(doc)


def test_sql_statements_to_manifest() -> None:
    m = manifest_of_text("""
        SELECT o.id, old_customer_ref FROM orders o WHERE o.total_cents > $1;
        INSERT INTO orders (customer_id, total_cents) VALUES ($1, $2);
        UPDATE orders SET total_cents = c.id FROM customers c WHERE c.id = orders.customer_id;
        WITH x AS (SELECT id FROM legacy) SELECT * FROM x;
    """)
    doc = m.to_document()["tables"]
    assert doc["orders"] == {"reads": ["customer_id", "id", "old_customer_ref", "total_cents"],
                             "writes": ["customer_id", "total_cents"],
                             "inserts": ["customer_id", "total_cents"]}
    assert doc["customers"] == {"reads": ["id"]}
    assert doc["legacy"] == {"reads": ["id"]}


def test_ec_manifest_from_sql_log_and_yaml_resolves_and_stores(ec_db: Any, tmp_path: Path) -> None:
    ec_db.execute("CREATE TABLE customers (id int PRIMARY KEY, email text);"
                  " CREATE TABLE orders (id int PRIMARY KEY, customer_id int, old_customer_ref text)")
    sql = tmp_path / "queries.sql"
    # Unqualified columns in a join: only the live catalog can say whose they are.
    sql.write_text("SELECT email, old_customer_ref FROM orders JOIN customers ON customers.id"
                   " = orders.customer_id;\n")
    log = tmp_path / "pg.log"
    log.write_text("2024-05-01 10:00:00 UTC [42] LOG:  statement: UPDATE orders\n"
                   "\tSET customer_id = 3 WHERE id = 1\n"
                   "2024-05-01 10:00:01 UTC [42] LOG:  duration: 0.1 ms\n")
    hand = tmp_path / "extra.yaml"
    hand.write_text("tables:\n  audit_trail: {writes: [event]}\n")
    result = run_ec("manifest", "--from-sql", str(sql), "--from-log", str(log), "--from-yaml",
                    str(hand), "--dsn", ec_db.dsn, "--app", "orders", "--version", "v1", "--store")
    assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    assert doc["tables"]["customers"] == {"reads": ["email", "id"]}
    assert doc["tables"]["orders"]["reads"] == ["customer_id", "id", "old_customer_ref"]
    assert doc["tables"]["orders"]["writes"] == ["customer_id"]
    assert doc["tables"]["audit_trail"] == {"writes": ["event"]}
    stored = ec_db.scalar("SELECT manifest FROM expandcontract.app_manifests"
                          " WHERE app = 'orders' AND version = 'v1'")
    assert stored["tables"] == doc["tables"]


def test_ec_manifest_from_metadata(tmp_path: Path) -> None:
    (tmp_path / "shopmodels.py").write_text(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "orders = sa.Table('orders', metadata, sa.Column('id', sa.Integer, sa.Identity(),"
        " primary_key=True), sa.Column('customer_email', sa.Text), schema='shop')\n")
    result = run_ec("manifest", "--from-metadata", "shopmodels:metadata", "--format", "json",
                    env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tables"] == {
        "shop.orders": {"reads": ["customer_email", "id"], "writes": ["customer_email"]}}


def test_ec_manifest_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT id FROM orders;\nSELECT (((;\n")
    result = run_ec("manifest", "--from-sql", str(bad))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and str(bad) in result.stderr
    result = run_ec("manifest", "--from-metadata", "no_such_module_x:metadata")
    assert result.returncode == 2 and "no_such_module_x" in result.stderr
    result = run_ec("manifest", "--from-sql", str(tmp_path / "nope.sql"), "--store")
    assert result.returncode == 2


def test_ec_manifest_from_metadata_keeps_mixed_case_names_as_yaml(tmp_path: Path) -> None:
    # SQLAlchemy hands back a quoted_name (a str subclass) for a case-sensitive name; the YAML
    # output must still work and keep the name exactly as PostgreSQL stores it.
    (tmp_path / "casemodels.py").write_text(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "sa.Table('Orders', metadata, sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('CustomerEmail', sa.Text), schema='Shop')\n"
        "sa.Table('items', metadata, sa.Column('SKU', sa.Text))\n")
    result = run_ec("manifest", "--from-metadata", "casemodels:metadata",
                    env={"PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["tables"] == {
        "Shop.Orders": {"reads": ["CustomerEmail", "id"], "writes": ["CustomerEmail", "id"]},
        "items": {"reads": ["SKU"], "writes": ["SKU"]}}
