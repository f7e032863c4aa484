"""A deliberately simple applier of a plan's steps (each guard false before its step, true
after it) and catalog queries, for the tests that check the generated SQL on a real database
apart from the real executor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from expandcontract.catalog import Catalog
from expandcontract.planning.planner import Plan, build_plan
from expandcontract.planning.sources import load_any
from expandcontract.planning.steps import Step


# -- the applier ------------------------------------------------------------------------
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


# -- catalog queries -----------------------------------------------------------------------
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


# -- the round trip every apply test makes ----------------------------------------------------
def expand_after_rollback(conn: psycopg.Connection, path: Path) -> Plan:
    """Expand then roll back (the catalog and every row are back to the start), then expand
    again from a fresh plan, as a new run would make it; return that plan."""
    tables = user_tables(conn)
    start_shape, start_data = shape(conn), table_data(conn, tables)
    plan = live_plan(conn, path)
    assert plan.expand or plan.contract
    run_steps(conn, plan.expand)
    run_steps(conn, plan.rollback)
    assert shape(conn) == start_shape
    assert table_data(conn, tables) == start_data
    plan = live_plan(conn, path)
    run_steps(conn, plan.expand)
    return plan


def backfill_and_contract(conn: psycopg.Connection, plan: Plan) -> None:
    """Backfill, contract, and check contract left none of ec's triggers, functions or checks."""
    run_backfills(conn, plan)
    run_steps(conn, plan.contract)
    no_ec_leftovers(conn)
