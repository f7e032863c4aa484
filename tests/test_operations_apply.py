"""Apply every example's plan to a real database, step by step, and check the SQL itself:
each guard is false before its step and true after it, rollback restores the starting
catalog without losing data, and contract leaves the intended final shape.

(The real executor and its harness are tested by the execution tests; this is a deliberately
simple applier so the generated SQL is checked on its own.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from expandcontract.catalog import Catalog
from expandcontract.planning.planner import Plan, build_plan
from expandcontract.planning.sources import load_any
from expandcontract.planning.steps import Step

EXAMPLES = Path(__file__).resolve().parent.parent / "migrations_examples"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "schema.sql").exists())


# -- a simple applier ------------------------------------------------------------------------
def guard(conn: psycopg.Connection, step: Step) -> bool:
    assert step.guard, f"step without a guard: {step.description}"
    row = conn.execute(step.guard.encode()).fetchone()
    assert row is not None
    return bool(row[0])


def run_step(conn: psycopg.Connection, step: Step, *, check_guard: bool = True) -> None:
    """Run one step (in a transaction unless it must not be), checking its guard around it."""
    # Raw SQL (the 'sql' operation) is the one kind of step ec cannot guard.
    check_guard = check_guard and step.guard is not None
    if check_guard:
        assert not guard(conn, step), f"guard already true before: {step.description}"
    if step.transactional:
        with conn.transaction():
            conn.execute(step.sql.encode())
    else:
        conn.execute(step.sql.encode())
    if check_guard:
        assert guard(conn, step), f"guard still false after: {step.description}\n{step.guard}"


def run_steps(conn: psycopg.Connection, steps: list[Step], *, check_guard: bool = True) -> None:
    for step in steps:
        run_step(conn, step, check_guard=check_guard)


def run_backfills(conn: psycopg.Connection, plan: Plan) -> None:
    for bf in plan.backfill:
        conn.execute(f"UPDATE {bf.table.sql} SET {bf.set_clause} WHERE {bf.todo_predicate}".encode())


def live_plan(conn: psycopg.Connection, path: Path) -> Plan:
    return build_plan(load_any(path), Catalog(conn), pg_version=conn.info.server_version // 10000)


def shape(conn: psycopg.Connection) -> dict[str, Any]:
    """The user-visible schema: relations, columns, constraints, indexes, triggers, functions."""
    q = {
        "relations": """SELECT n.nspname, c.relname, c.relkind FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                          AND c.relkind IN ('r', 'v', 'i', 'p') ORDER BY 1, 2""",
        "columns": """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                             a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
                      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                        AND c.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped
                      ORDER BY 1, 2""",
        "constraints": """SELECT conrelid::regclass::text, conname, contype, convalidated,
                                 pg_get_constraintdef(oid) FROM pg_constraint
                          WHERE connamespace NOT IN ('pg_catalog'::regnamespace,
                                                     'information_schema'::regnamespace)
                          ORDER BY 1, 2""",
        "indexes": """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid
                      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
                      ORDER BY 1""",
        "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1, 2",
        "functions": """SELECT p.oid::regprocedure::text FROM pg_proc p
                        JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1""",
    }
    return {k: conn.execute(v).fetchall() for k, v in q.items()}


def table_data(conn: psycopg.Connection, tables: list[str]) -> dict[str, str]:
    """A fingerprint of every row of each table (to prove no data was lost)."""
    out = {}
    for t in tables:
        row = conn.execute(
            f"SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {t} AS r".encode()
        ).fetchone()
        assert row is not None
        out[t] = row[0]
    return out


def user_tables(conn: psycopg.Connection) -> list[str]:
    return [
        r[0] for r in conn.execute(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', "
            "'expandcontract') ORDER BY 1"
        )
    ]


def load_schema(conn: psycopg.Connection, name: str) -> None:
    conn.execute((EXAMPLES / name / "schema.sql").read_text().encode())


# -- final shapes, one check per example ---------------------------------------------------
def col(conn: psycopg.Connection, table: str, column: str) -> tuple[str, bool, str | None] | None:
    row = conn.execute(
        "SELECT format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid) "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND NOT a.attisdropped",
        (table, column),
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def constraint(conn: psycopg.Connection, table: str, name: str) -> tuple[str, bool] | None:
    row = conn.execute(
        "SELECT contype, convalidated FROM pg_constraint WHERE conrelid = to_regclass(%s) AND conname = %s",
        (table, name),
    ).fetchone()
    return (row[0], row[1]) if row else None


def index_valid(conn: psycopg.Connection, name: str) -> bool | None:
    row = conn.execute(
        "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (name,)
    ).fetchone()
    return row[0] if row else None


def scalar(conn: psycopg.Connection, query: str) -> Any:
    row = conn.execute(query.encode()).fetchone()
    return row[0] if row else None


def no_ec_leftovers(conn: psycopg.Connection) -> None:
    s = shape(conn)
    assert not [t for t in s["triggers"] if t[1].startswith("_ec_")]
    assert not [f for f in s["functions"] if "_ec_" in f[0]]
    assert not [c for c in s["constraints"] if "ec_not_null" in c[1]]


def final_orders_customer_email(conn: psycopg.Connection) -> None:
    assert col(conn, "orders", "customer_email") == ("text", True, None)
    assert col(conn, "orders", "old_customer_ref") is None
    assert scalar(conn, "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
                        "WHERE o.customer_email IS DISTINCT FROM c.email") == 0


def final_users_rename_column(conn: psycopg.Connection) -> None:
    assert col(conn, "users", "name") is None
    assert col(conn, "users", "full_name") == ("text", True, "''::text")
    assert index_valid(conn, "users_name_idx") is True
    assert "(full_name)" in scalar(conn, "SELECT pg_get_indexdef('users_name_idx'::regclass)")
    assert scalar(conn, "SELECT count(*) FROM users WHERE full_name = 'user ' || id") == 5000


def final_page_views_bigint(conn: psycopg.Connection) -> None:
    assert col(conn, "page_views", "view_count") == ("bigint", True, "0")
    assert col(conn, "page_views", "view_count_ec_new") is None
    assert index_valid(conn, "page_views_view_count_idx") is True
    assert "(view_count)" in scalar(conn, "SELECT pg_get_indexdef('page_views_view_count_idx'::regclass)")
    assert scalar(conn, "SELECT count(*) FROM page_views WHERE view_count = id * 1000") == 5000
    conn.execute("INSERT INTO page_views (path, view_count) VALUES ('/big', 5000000000)")


def final_invoices_foreign_key(conn: psycopg.Connection) -> None:
    assert constraint(conn, "invoices", "invoices_customer_id_fkey") == ("f", True)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("INSERT INTO invoices (customer_id, amount) VALUES (999999, 1)")


def final_accounts_unique_email(conn: psycopg.Connection) -> None:
    assert constraint(conn, "accounts", "accounts_email_key") == ("u", True)
    assert index_valid(conn, "accounts_email_key") is True
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("INSERT INTO accounts (email) VALUES ('account1@example.com')")


def final_profiles_set_not_null(conn: psycopg.Connection) -> None:
    assert col(conn, "profiles", "display_name") == ("text", True, None)
    assert col(conn, "profiles", "bio") == ("text", True, None)
    assert scalar(conn, "SELECT count(*) FROM profiles WHERE bio = '(no bio yet)'") == 5000 // 3


def final_orders_created_at_index(conn: psycopg.Connection) -> None:
    assert index_valid(conn, "orders_customer_created_idx") is True
    assert "WHERE (status <> 'cancelled'::text)" in scalar(
        conn, "SELECT pg_get_indexdef('orders_customer_created_idx'::regclass)")


def final_table_operations(conn: psycopg.Connection) -> None:
    assert scalar(conn, "SELECT to_regclass('legacy_notes')") is None
    assert scalar(conn, "SELECT count(*) FROM notes") == 1000
    assert scalar(conn, "SELECT to_regclass('old_sessions')") is None
    assert scalar(conn, "SELECT to_regclass('tickets_title_idx')") is None
    assert constraint(conn, "tickets", "tickets_priority_range") == ("c", True)
    assert col(conn, "ticket_events", "kind") == ("text", True, None)
    assert scalar(conn, "SELECT obj_description('tickets'::regclass)") == "support tickets"


FINAL: dict[str, Callable[[psycopg.Connection], None]] = {
    "orders_customer_email": final_orders_customer_email,
    "users_rename_column": final_users_rename_column,
    "page_views_bigint": final_page_views_bigint,
    "invoices_foreign_key": final_invoices_foreign_key,
    "accounts_unique_email": final_accounts_unique_email,
    "profiles_set_not_null": final_profiles_set_not_null,
    "orders_created_at_index": final_orders_created_at_index,
    "table_operations": final_table_operations,
}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_applies(ec_db: Any, name: str) -> None:
    path = EXAMPLES / name / f"{name}.yaml"
    with ec_db.connect() as conn:
        load_schema(conn, name)
        start_shape = shape(conn)
        tables = user_tables(conn)
        start_data = table_data(conn, tables)
        plan = live_plan(conn, path)
        assert plan.expand or plan.contract

        # expand, then roll back: the catalog is back to the start, no data lost.
        run_steps(conn, plan.expand)
        run_steps(conn, plan.rollback)
        assert shape(conn) == start_shape
        assert table_data(conn, tables) == start_data

        # expand again (a fresh plan, as a new run would make), backfill, contract.
        plan = live_plan(conn, path)
        run_steps(conn, plan.expand)
        run_backfills(conn, plan)
        run_steps(conn, plan.contract)
        no_ec_leftovers(conn)
        FINAL[name](conn)


def test_rename_carries_unique_constraint_and_reports_the_rest(ec_db: Any, tmp_path: Path) -> None:
    """A UNIQUE constraint on the renamed column comes back under its name on the new column;
    an expression index and a CHECK are not carried over, and the plan says so."""
    migration = tmp_path / "m.yaml"
    migration.write_text("operations:\n  - rename_column: {table: t, column: code, to: sku}\n")
    with ec_db.connect() as conn:
        conn.execute(
            "CREATE TABLE t (id int PRIMARY KEY, code text CONSTRAINT t_code_key UNIQUE "
            "CONSTRAINT t_code_len CHECK (length(code) < 10));"
            "CREATE INDEX t_lower_code ON t (lower(code));"
            "INSERT INTO t SELECT i, 'c' || i FROM generate_series(1, 100) i"
        )
        plan = live_plan(conn, migration)
        notes = " ".join(plan.operations[0].notes)
        assert "t_lower_code" in notes and "t_code_len" in notes
        run_steps(conn, plan.expand)
        run_backfills(conn, plan)
        run_steps(conn, plan.contract)
        no_ec_leftovers(conn)
        assert constraint(conn, "t", "t_code_key") == ("u", True)
        assert "(sku)" in scalar(conn, "SELECT pg_get_indexdef('t_code_key'::regclass)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO t VALUES (1000, 'c1')")
