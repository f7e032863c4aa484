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
from plan_apply import (
    backfill_and_contract,
    col,
    constraint,
    expand_after_rollback,
    index_valid,
    live_plan,
    run_steps,
    scalar,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "migrations_examples"
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "schema.sql").exists())


def load_schema(conn: psycopg.Connection, name: str) -> None:
    conn.execute((EXAMPLES / name / "schema.sql").read_text().encode())


# -- final shapes, one check per example ---------------------------------------------------
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
        plan = expand_after_rollback(conn, path)
        backfill_and_contract(conn, plan)
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
        backfill_and_contract(conn, plan)
        assert constraint(conn, "t", "t_code_key") == ("u", True)
        assert "(sku)" in scalar(conn, "SELECT pg_get_indexdef('t_code_key'::regclass)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO t VALUES (1000, 'c1')")
