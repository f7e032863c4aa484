"""The lock a step declares (shown by `ec plan`, used by the executor's timeouts) is the lock
PostgreSQL really takes: every transactional step of every example, and of a migration
exercising foreign keys in every phase, is run in a transaction and pg_locks is read before
it commits. Each table the step locks must be declared (step.table or also_locks) with
exactly the strongest mode it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from plan_apply import live_plan, run_backfills
from test_operations_apply import EXAMPLE_NAMES, EXAMPLES, load_schema

from expandcontract.planning.steps import Lock, Step, TableRef

ORDER = list(Lock)
MODES = {
    "AccessShareLock": Lock.ACCESS_SHARE, "RowShareLock": Lock.ROW_SHARE,
    "RowExclusiveLock": Lock.ROW_EXCLUSIVE, "ShareUpdateExclusiveLock": Lock.SHARE_UPDATE_EXCLUSIVE,
    "ShareLock": Lock.SHARE, "ShareRowExclusiveLock": Lock.SHARE_ROW_EXCLUSIVE,
    "ExclusiveLock": Lock.EXCLUSIVE, "AccessExclusiveLock": Lock.ACCESS_EXCLUSIVE,
}

FK_SCHEMA = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
CREATE TABLE regions (id int PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, region int REFERENCES regions, note text);
CREATE TABLE audit (id int PRIMARY KEY, region int REFERENCES regions);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 50) g;
INSERT INTO regions SELECT g FROM generate_series(1, 5) g;
INSERT INTO orders SELECT g, g, 1 + g % 5, 'x' FROM generate_series(1, 50) g;
"""

FK_MIGRATION = """
operations:
  - add_foreign_key:
      table: orders
      name: orders_customer_fkey
      columns: [customer_id]
      references: {table: customers, columns: [id]}
  - add_column:
      table: orders
      column: {name: referrer, type: bigint, references: {table: customers, column: id}}
  - create_table:
      table: shipments
      columns:
        - {name: id, type: bigint, primary_key: true}
        - {name: order_id, type: bigint, references: {table: orders, column: id}}
  - drop_column: {table: orders, column: region}
  - drop_table: {table: audit}
  - add_check: {table: orders, name: note_short, check: "length(note) < 100"}
"""


def relation_locks(conn: psycopg.Connection) -> dict[int, Lock]:
    """Strongest lock this session holds on each table or view (by OID)."""
    held: dict[int, Lock] = {}
    for oid, mode in conn.execute(
        "SELECT l.relation::int, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() "
        "AND l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'v') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
    ):
        lock = MODES[mode]
        if oid not in held or ORDER.index(lock) > ORDER.index(held[oid]):
            held[oid] = lock
    return held


def oid_of(conn: psycopg.Connection, ref: TableRef) -> int | None:
    row = conn.execute("SELECT to_regclass(%s)::oid::int", (ref.sql,)).fetchone()
    return row[0] if row else None


def declared(step: Step) -> list[tuple[TableRef, Lock]]:
    out = [(step.table, step.lock)] if step.table is not None else []
    return out + list(step.also_locks)


def check_step(conn: psycopg.Connection, step: Step, problems: list[str]) -> None:
    """Run ``step`` (committing it) and record any lock it takes that it does not declare."""
    # Raw SQL declares what the file says (ec cannot see inside it): not checked here.
    if not step.transactional or step.guard is None:
        conn.execute(step.sql.encode())
        return
    wanted: dict[int, Lock] = {}
    names: dict[int, str] = {}

    def note(refs: list[tuple[TableRef, Lock]]) -> None:
        for ref, lock in refs:
            oid = oid_of(conn, ref)
            if oid is not None:
                wanted[oid] = max(wanted.get(oid, Lock.NONE), lock, key=ORDER.index)
                names[oid] = ref.display

    with conn.transaction():
        note(declared(step))  # names as they are before the step ...
        conn.execute(step.sql.encode())
        note(declared(step))  # ... and after it (a rename moves a name to another relation)
        for oid, lock in relation_locks(conn).items():
            name = names.get(oid) or str(
                conn.execute("SELECT %s::oid::regclass::text", (oid,)).fetchone()[0]  # type: ignore[index]
            )
            if wanted.get(oid, Lock.NONE) != lock:
                problems.append(
                    f"{step.description}: takes {lock.value} on {name}, declares "
                    f"{wanted.get(oid, Lock.NONE).value}"
                )


def run_checked(conn: psycopg.Connection, path: Path) -> list[str]:
    problems: list[str] = []
    plan = live_plan(conn, path)
    for step in plan.expand:
        check_step(conn, step, problems)
    for step in plan.rollback:
        check_step(conn, step, problems)
    plan = live_plan(conn, path)
    for step in plan.expand:
        check_step(conn, step, problems)
    run_backfills(conn, plan)
    for step in plan.contract:
        check_step(conn, step, problems)
    return problems


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_steps_declare_their_real_locks(ec_db: Any, name: str) -> None:
    with ec_db.connect() as conn:
        load_schema(conn, name)
        assert run_checked(conn, EXAMPLES / name / f"{name}.yaml") == []


def test_foreign_key_steps_declare_the_referenced_tables(ec_db: Any, tmp_path: Path) -> None:
    path = tmp_path / "fk.yaml"
    path.write_text(FK_MIGRATION)
    with ec_db.connect() as conn:
        conn.execute(FK_SCHEMA)
        problems = run_checked(conn, path)
        assert problems == [], "\n".join(problems)


# -- guards and names that search_path must not fool ------------------------------------------
SEARCH_PATH_SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE app.other (id int);
CREATE INDEX t_idx ON app.other (id);
CREATE TABLE public.t (id int PRIMARY KEY, n int);
SET search_path = app, public;
"""


def index_schemas(conn: psycopg.Connection, name: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND c.relkind = 'i' ORDER BY 1", (name,))]


def test_index_of_the_same_name_in_another_schema_is_not_this_one(ec_db: Any, tmp_path: Path) -> None:
    """public.t gets index t_idx while app.t_idx (another table's) comes first on search_path:
    the plan is valid, the guard does not take app.t_idx for the new index, and rollback
    drops public.t_idx only."""
    from plan_apply import guard, run_steps

    path = tmp_path / "m.yaml"
    path.write_text("operations:\n  - create_index: {table: t, name: t_idx, columns: [n]}\n")
    with ec_db.connect() as conn:
        conn.execute(SEARCH_PATH_SCHEMA)
        plan = live_plan(conn, path)
        run_steps(conn, plan.expand)  # asserts the guard is false before, true after
        assert index_schemas(conn, "t_idx") == ["app", "public"]
        run_steps(conn, plan.rollback)
        assert index_schemas(conn, "t_idx") == ["app"]
        assert guard(conn, plan.rollback[0])


def test_drop_index_rerun_leaves_other_schemas_alone(ec_db: Any, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("operations:\n  - drop_index: {name: t_idx}\n")
    with ec_db.connect() as conn:
        conn.execute(SEARCH_PATH_SCHEMA)
        conn.execute("CREATE INDEX t_idx ON public.t (n)")
        (step,) = live_plan(conn, path).contract
        conn.execute(step.sql.encode())
        assert index_schemas(conn, "t_idx") == ["public"]
        # A re-run after a crash: the guard says done, and the statement itself would not
        # reach public.t_idx either.
        assert conn.execute(step.guard.encode()).fetchone() == (True,)  # type: ignore[union-attr]
        conn.execute(step.sql.encode())
        assert index_schemas(conn, "t_idx") == ["public"]


@pytest.mark.parametrize(
    "operation",
    ["drop_column: {table: t, column: n}", "alter_column: {table: t, column: n, nullable: true}"],
)
def test_rollback_restores_not_null_without_a_scan_under_access_exclusive(
    ec_db: Any, tmp_path: Path, operation: str
) -> None:
    """Expand drops NOT NULL; rollback puts it back. SET NOT NULL scans the whole table under
    ACCESS EXCLUSIVE unless a validated CHECK (n IS NOT NULL) proves it: rollback must have
    that check validated (under SHARE UPDATE EXCLUSIVE) before it runs SET NOT NULL."""
    from plan_apply import col, no_ec_leftovers, run_step

    path = tmp_path / "m.yaml"
    path.write_text(f"operations:\n  - {operation}\n")
    with ec_db.connect() as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL);"
                     "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g")
        plan = live_plan(conn, path)
        for step in plan.expand:
            run_step(conn, step)
        assert col(conn, "t", "n") == ("integer", False, None)
        set_not_null = [s for s in plan.rollback if "SET NOT NULL" in s.sql]
        assert set_not_null
        for step in plan.rollback:
            if step in set_not_null:
                assert conn.execute(
                    "SELECT count(*) FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'c' "
                    "AND convalidated AND pg_get_constraintdef(oid) = 'CHECK ((n IS NOT NULL))'"
                ).fetchone() == (1,), "SET NOT NULL would scan the table under ACCESS EXCLUSIVE"
            run_step(conn, step)
        assert col(conn, "t", "n") == ("integer", True, None)
        no_ec_leftovers(conn)
