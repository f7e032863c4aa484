"""`ec plan FILE.sql` and `ec convert` through the real CLI, and the proof that a converted
SQL migration, run by ec phase by phase, leaves the same schema and data as the SQL itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import yaml
from conftest import run_ec
from plan_apply import live_plan, run_backfills, run_steps

from expandcontract.planning.load_sql import load_sql_text
from expandcontract.planning.planner import build_plan
from expandcontract.planning.sources import load_any
from expandcontract.testing.pytest_plugin import TestDatabase, _database

RENAME = "ALTER TABLE orders RENAME COLUMN a TO b;\n"

# One migration touching every mapping, plus statements that stay raw.
MIGRATION = """\
-- Seed-like migration, written as people write SQL. Ünïcödé in a comment on purpose.
BEGIN;
SET lock_timeout = '3s';
ALTER TABLE orders ALTER COLUMN total TYPE bigint;
ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
                   ADD COLUMN status text NOT NULL DEFAULT 'new';
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
    FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
ALTER TABLE orders ADD CONSTRAINT id_positive CHECK (id > 0);
CREATE INDEX ON orders (customer_id);
CREATE UNIQUE INDEX customers_email_ix ON customers (email);
ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE USING INDEX customers_email_ix;
ALTER TABLE orders RENAME COLUMN note TO remark;
ALTER TABLE orders DROP COLUMN old_ref;
CREATE TABLE "Audit ""Log""; x" (id bigserial PRIMARY KEY,
    "order id" bigint REFERENCES orders (id), at timestamptz NOT NULL DEFAULT now());
COMMENT ON TABLE orders IS 'orders: one row per purchase';
CREATE INDEX orders_remark_lower ON orders (lower(remark));
COMMIT;
"""

SCHEMA = """\
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total int NOT NULL DEFAULT 0,
                     old_ref text, note text);
INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, 1 + g % 50, g * 3, 'ref' || g, CASE WHEN g % 3 = 0 THEN 'n' || g END
FROM generate_series(1, 200) g;
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plan_json(*args: str) -> dict[str, Any]:
    result = run_ec("plan", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- ec plan FILE.sql ----------------------------------------------------------------------

def test_plan_of_sql_rename_is_an_expand_contract_rename(tmp_path: Path) -> None:
    path = write(tmp_path, "rename.sql", RENAME)
    plan = plan_json(str(path))
    assert [op["type"] for op in plan["operations"]] == ["rename_column"]
    expand = plan["phases"]["expand"]
    contract = plan["phases"]["contract"]
    assert any('ADD COLUMN' in s["sql"] and '"b"' in s["sql"] for s in expand)
    assert any("CREATE TRIGGER" in s["sql"] for s in expand)
    assert any('DROP COLUMN' in s["sql"] and '"a"' in s["sql"] for s in contract)
    every_sql = [s["sql"] for s in expand + contract]
    assert not any("RENAME COLUMN a TO b" in sql for sql in every_sql)
    assert plan["notes"] == []

    text = run_ec("plan", str(path))
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert "rename column a of orders to b" in out
    expand_part = out[out.index("Phase 1: expand"):out.index("Phase 2: backfill")]
    contract_part = out[out.index("Phase 3: contract"):]
    assert 'ADD COLUMN IF NOT EXISTS "b"' in expand_part and "CREATE TRIGGER" in expand_part
    assert 'DROP COLUMN IF EXISTS "a"' in contract_part
    assert "raw SQL" not in out


# --- bad input through the CLI -------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("SELECT 1;\nALTER TABLE t ADD COLUMN;\n", "bad.sql:2:25"),
        ("-- ß\nCREATE TABEL x (a int);\n", "bad.sql:2:8"),
        ("", "bad.sql: no SQL statements"),
        ("-- nothing but a comment\n", "bad.sql: no SQL statements"),
    ],
)
def test_bad_sql_is_one_line_exit_2(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, "bad.sql", text)
    # plan and convert share the loader: alternate between them rather than run both.
    command = "convert" if "no SQL" in where else "plan"
    result = run_ec(command, str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert f"{tmp_path}/{where}" in lines[0]
    assert "Traceback" not in result.stderr


def test_convert_refuses_unknown_output_type(tmp_path: Path) -> None:
    path = write(tmp_path, "m.sql", RENAME)
    result = run_ec("convert", str(path), "-o", str(tmp_path / "out.txt"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "out.txt" in result.stderr and not (tmp_path / "out.txt").exists()


# --- ec convert ----------------------------------------------------------------------------

def _comparable(plan: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in plan.items() if k not in ("source", "notes")}


def test_convert_round_trip_gives_the_same_plan(tmp_path: Path) -> None:
    sql = write(tmp_path, "seed.sql", MIGRATION)
    out_yaml, out_json = tmp_path / "seed.yaml", tmp_path / "seed.json"
    for out in (out_yaml, out_json):
        result = run_ec("convert", str(sql), "-o", str(out))
        assert result.returncode == 0, result.stderr
        assert f"wrote {out}" in result.stderr
    assert json.loads(out_json.read_text())["name"] == "seed"
    from_sql = plan_json(str(sql))
    assert from_sql["notes"], "the SQL plan says what it kept raw or dropped"
    assert _comparable(plan_json(str(out_yaml))) == _comparable(from_sql)
    # The JSON file in-process (same code path as `ec plan`, without another subprocess).
    from_json = json.loads(json.dumps(build_plan(load_any(out_json)).to_json(), default=str))
    assert _comparable(from_json) == _comparable(from_sql)


def test_convert_yaml_is_readable_and_carries_the_notes(tmp_path: Path) -> None:
    sql = write(tmp_path, "seed.sql", MIGRATION)
    result = run_ec("convert", str(sql))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    doc = yaml.safe_load(text)
    migration = load_sql_text(MIGRATION, str(sql), "seed")
    assert doc == migration.to_document()
    # Block style, operations in file order, each preceded by the line it came from.
    assert "{" not in text.split("operations:")[1].split("#")[0]
    assert f"  # {sql}:5\n  - add_column:\n" in text
    assert any(n.startswith(f"{sql}:10: dropped: VALIDATE CONSTRAINT") for n in migration.notes)
    # Every note is a comment in the file and a line on stderr.
    for note in migration.notes:
        assert f"#   {note}\n" in text
        assert f"note: {note}" in result.stderr
    raw = [n.removeprefix(f"{sql}:").split(":")[0] for n in migration.notes if "kept as raw SQL" in n]
    assert raw == ["19", "20"]  # COMMENT ON, and the expression index (made CONCURRENTLY)


# --- the converted migration does what the SQL does ----------------------------------------

@pytest.fixture
def twin_db(ec_server: Any) -> Iterator[TestDatabase]:
    """A second fresh database on the same server (to compare against ec_db)."""
    yield from _database(ec_server)


def _schema(db: TestDatabase) -> dict[str, Any]:
    """Tables, columns, constraints and indexes of schema public, by name."""
    with db.connect() as conn:
        columns = conn.execute(
            """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid)
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0
                 AND NOT a.attisdropped ORDER BY 1, 2"""
        ).fetchall()
        constraints = conn.execute(
            """SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.convalidated
               FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND k.contype <> 'n' ORDER BY 1, 2"""
        ).fetchall()
        indexes = conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1, 2"
        ).fetchall()
        comments = conn.execute(
            "SELECT obj_description('orders'::regclass, 'pg_class')"
        ).fetchall()
        leftovers = conn.execute(
            """SELECT tgname FROM pg_trigger WHERE NOT tgisinternal
               UNION ALL SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public'"""
        ).fetchall()
    return {
        "columns": columns, "constraints": constraints, "indexes": indexes,
        "comments": comments, "leftovers": leftovers,
    }


def _data(db: TestDatabase) -> list[tuple[Any, ...]]:
    return db.execute(
        "SELECT id, customer_id, total, status, remark, created_at IS NOT NULL FROM orders ORDER BY id"
    )


def test_converted_sql_run_by_phase_matches_running_the_sql(
    tmp_path: Path, ec_db: TestDatabase, twin_db: TestDatabase
) -> None:
    for db in (ec_db, twin_db):
        db.execute(SCHEMA)
    # Reference: the SQL file run as written.
    with psycopg.connect(twin_db.dsn, autocommit=True) as conn:
        conn.execute(MIGRATION)

    # ec: the converted file, planned against the live schema, every phase applied in order.
    sql = write(tmp_path, "seed.sql", MIGRATION)
    out = tmp_path / "seed.yaml"
    assert run_ec("convert", str(sql), "-o", str(out)).returncode == 0
    with psycopg.connect(ec_db.dsn, autocommit=True) as conn:
        plan = live_plan(conn, out)
        run_steps(conn, plan.expand)
        run_backfills(conn, plan)
        run_steps(conn, plan.contract)

    assert _schema(ec_db) == _schema(twin_db)
    assert _data(ec_db) == _data(twin_db)
