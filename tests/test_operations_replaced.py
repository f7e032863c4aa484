"""Operations on a column that an earlier operation of the same migration replaces through a
shadow column (alter_column with a type, rename_column): constraints and indexes must land
on the column that survives contract, or the migration is refused with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from plan_apply import (
    backfill_and_contract,
    constraint,
    expand_after_rollback,
    index_valid,
    live_plan,
    run_steps,
    scalar,
)

from expandcontract.errors import InputError
from expandcontract.planning.planner import build_plan
from expandcontract.planning.sources import load_any

SCHEMA = """
CREATE TABLE limits (id bigint PRIMARY KEY);
INSERT INTO limits SELECT g FROM generate_series(0, 200) g;
CREATE TABLE orders (id bigint PRIMARY KEY, total int NOT NULL DEFAULT 0, note text, code text);
INSERT INTO orders SELECT g, g, 'x', 'c' || g FROM generate_series(1, 100) g;
"""

RETYPE_THEN_CONSTRAIN = """
operations:
  - alter_column: {table: orders, column: total, type: bigint}
  - add_check: {table: orders, name: total_nonneg, check: "orders.total >= 0"}
  - create_index: {table: orders, name: orders_total_idx, columns: [total], where: "total > 0"}
  - add_unique: {table: orders, name: orders_code_total_key, columns: [code, total]}
  - add_foreign_key:
      table: orders
      name: orders_total_fkey
      columns: [total]
      references: {table: limits, columns: [id]}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return path


def test_constraints_after_a_type_change_survive_contract(ec_db: Any, tmp_path: Path) -> None:
    path = write(tmp_path, RETYPE_THEN_CONSTRAIN)
    with ec_db.connect() as conn:
        conn.execute(SCHEMA)
        plan = expand_after_rollback(conn, path)
        # During the transition the constraints apply to the new shape, for old writers too.
        conn.execute("UPDATE orders SET note = 'old app' WHERE id = 1")
        conn.execute("INSERT INTO orders (id, total, code) VALUES (101, 7, 'c101')")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO orders (id, total, code) VALUES (102, -1, 'c102')")
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO orders (id, total, code) VALUES (103, 999, 'c103')")
        backfill_and_contract(conn, plan)

        assert scalar(conn, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 'orders'::regclass AND attname = 'total'") == "bigint"
        assert constraint(conn, "orders", "total_nonneg") == ("c", True)
        assert constraint(conn, "orders", "orders_code_total_key") == ("u", True)
        assert constraint(conn, "orders", "orders_total_fkey") == ("f", True)
        assert scalar(
            conn, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'total_nonneg'"
        ) == "CHECK ((total >= 0))"
        assert index_valid(conn, "orders_total_idx") is True
        assert scalar(conn, "SELECT pg_get_indexdef('orders_total_idx'::regclass)").endswith(
            "(total) WHERE (total > 0)")
        assert scalar(conn, "SELECT count(*) FROM orders WHERE total = id") == 100
        assert scalar(conn, "SELECT total FROM orders WHERE id = 101") == 7
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO orders (id, total, code) VALUES (104, -5, 'c104')")


def test_plan_targets_the_shadow_without_a_database(tmp_path: Path) -> None:
    plan = build_plan(load_any(write(tmp_path, RETYPE_THEN_CONSTRAIN)))
    sql = "\n".join(step.sql for step in plan.expand)
    assert 'CHECK (orders.total_ec_new >= 0)' in sql
    assert '("total_ec_new") WHERE total_ec_new > 0' in sql
    assert '("code", "total_ec_new")' in sql
    assert 'FOREIGN KEY ("total_ec_new") REFERENCES "limits"' in sql


def test_constraint_on_renamed_column_uses_the_new_name(ec_db: Any, tmp_path: Path) -> None:
    path = write(tmp_path, """
operations:
  - rename_column: {table: orders, column: total, to: amount}
  - add_check: {table: orders, name: amount_nonneg, check: "amount >= 0"}
  - create_index: {table: orders, name: orders_amount_idx, columns: [amount]}
""")
    with ec_db.connect() as conn:
        conn.execute(SCHEMA)
        plan = live_plan(conn, path)
        run_steps(conn, plan.expand)
        backfill_and_contract(conn, plan)
        assert constraint(conn, "orders", "amount_nonneg") == ("c", True)
        assert index_valid(conn, "orders_amount_idx") is True


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        (
            """
  - rename_column: {table: orders, column: total, to: amount}
  - add_check: {table: orders, name: c, check: "total >= 0"}""",
            "column 'total' of 'orders' is renamed to 'amount' by an earlier operation (line 2): refer to it as 'amount'",
        ),
        (
            """
  - rename_column: {table: orders, column: total, to: amount}
  - create_index: {table: orders, name: i, columns: [total]}""",
            "refer to it as 'amount'",
        ),
        (
            """
  - add_check: {table: orders, name: c, check: "total >= 0"}
  - alter_column: {table: orders, column: total, type: bigint}""",
            "an earlier operation (line 2) adds a constraint, index or default on column 'total'",
        ),
        (
            """
  - create_index: {table: orders, name: i, columns: [note], where: "total > 0"}
  - rename_column: {table: orders, column: total, to: amount}""",
            "put the rename_column first",
        ),
        (
            """
  - alter_column: {table: orders, column: total, type: bigint}
  - alter_column: {table: orders, column: total, nullable: true}""",
            "changes the type of column 'total' of 'orders': give type, nullable and default in that one alter_column",
        ),
        (
            """
  - rename_column: {table: orders, column: total, to: amount}
  - alter_column: {table: orders, column: amount, type: bigint}""",
            "renames to 'amount' the column 'total'",
        ),
        (
            """
  - alter_column: {table: limits, column: id, type: numeric}
  - add_column: {table: orders, column: {name: lim, type: bigint, references: {table: limits, column: id}}}""",
            "a foreign key cannot reference it before contract",
        ),
    ],
)
def test_unsound_orders_are_refused(tmp_path: Path, operations: str, message: str) -> None:
    path = write(tmp_path, "operations:" + operations + "\n")
    with pytest.raises(InputError) as err:
        build_plan(load_any(path))
    assert message in str(err.value)
    assert (err.value.where or "").endswith("m.yaml:3")


def test_old_app_updates_other_columns_after_not_null_type_change(ec_db: Any, tmp_path: Path) -> None:
    """The shadow of a NOT NULL column is checked NOT VALID at expand; an old-app UPDATE of
    another column of a row the backfill has not reached must still succeed (the trigger
    fills the shadow)."""
    path = write(tmp_path, "operations:\n  - alter_column: {table: orders, column: total, type: bigint}\n")
    with ec_db.connect() as conn:
        conn.execute(SCHEMA)
        plan = live_plan(conn, path)
        run_steps(conn, plan.expand)
        conn.execute("UPDATE orders SET note = 'y' WHERE id <= 10")
        assert scalar(conn, "SELECT count(*) FROM orders WHERE id <= 10 AND total_ec_new = total") == 10
        backfill_and_contract(conn, plan)
        assert scalar(conn, "SELECT count(*) FROM orders WHERE note = 'y'") == 10


def test_recreated_index_name_taken_elsewhere_is_refused(ec_db: Any, tmp_path: Path) -> None:
    """The index carried over to a shadow column is built as `<index>_ec`. When that name is
    taken in the schema (by another table's index), CREATE INDEX ... IF NOT EXISTS would do
    nothing and the step still count as done: `ec expand` must refuse before changing anything."""
    from conftest import run_ec

    ec_db.execute("CREATE TABLE sh (id int PRIMARY KEY, v int); CREATE INDEX sh_v ON sh (v);"
                  "CREATE TABLE other (w int); CREATE INDEX sh_v_ec ON other (w)")
    path = write(tmp_path, "name: m\noperations:\n  - alter_column: {table: sh, column: v, type: bigint}\n")
    result = run_ec("expand", str(path), "--dsn", ec_db.dsn)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{path}:3:" in result.stderr and "'sh_v_ec'" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert ec_db.scalar("SELECT count(*) FROM pg_attribute WHERE attrelid = 'sh'::regclass"
                        " AND attname = 'v_ec_new'") == 0
