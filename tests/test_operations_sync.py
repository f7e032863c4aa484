"""The two-way sync trigger (operations/_sync.py) under old- and new-shape writers at once:
inserts and updates from both sides, concurrently, with and without the session setting
expandcontract.side; afterwards every row must be consistent (old == new)."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import psycopg
from plan_apply import live_plan, run_backfills, run_steps
from test_operations_apply import EXAMPLES, load_schema

RENAME = EXAMPLES / "users_rename_column" / "users_rename_column.yaml"


def writer(dsn: str, shape: str, side: str | None, seed: int, errors: list[BaseException]) -> None:
    """An app version: 'old' writes users.name only, 'new' writes users.full_name only."""
    rng = random.Random(seed)
    column = "name" if shape == "old" else "full_name"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            if side:
                conn.execute("SELECT set_config('expandcontract.side', %s, false)", (side,))
            for i in range(150):
                if rng.random() < 0.5:
                    conn.execute(
                        f"INSERT INTO users ({column}, email) VALUES (%s, %s)",  # noqa: S608
                        (f"{shape}-{seed}-{i}", f"{shape}{seed}.{i}@x"),
                    )
                else:
                    conn.execute(
                        f"UPDATE users SET {column} = %s WHERE id = %s",  # noqa: S608
                        (f"{shape}-upd-{seed}-{i}", rng.randint(1, 5000)),
                    )
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)


def inconsistent(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM users WHERE name IS DISTINCT FROM full_name").fetchone()
    assert row is not None
    return int(row[0])


def test_concurrent_old_and_new_writers_stay_consistent(ec_db: Any) -> None:
    with ec_db.connect() as conn:
        load_schema(conn, "users_rename_column")
        plan = live_plan(conn, RENAME)
        run_steps(conn, plan.expand)
        errors: list[BaseException] = []
        threads = [
            threading.Thread(target=writer, args=(ec_db.dsn, "old", None, 1, errors)),
            threading.Thread(target=writer, args=(ec_db.dsn, "new", None, 2, errors)),
            threading.Thread(target=writer, args=(ec_db.dsn, "old", "old", 3, errors)),
            threading.Thread(target=writer, args=(ec_db.dsn, "new", "new", 4, errors)),
        ]
        # The backfill runs while the apps write, as it would in production.
        for t in threads:
            t.start()
        run_backfills(conn, plan)
        for t in threads:
            t.join()
        assert errors == []
        run_backfills(conn, plan)  # whatever the first pass raced past
        assert inconsistent(conn) == 0
        # Rows written by each side are visible under both names.
        assert conn.execute("SELECT count(*) FROM users WHERE name LIKE 'new-%'").fetchone()[0] > 0  # type: ignore[index]
        assert conn.execute("SELECT count(*) FROM users WHERE full_name LIKE 'old-%'").fetchone()[0] > 0  # type: ignore[index]


def test_side_setting_decides_when_both_columns_are_written(ec_db: Any) -> None:
    with ec_db.connect() as conn:
        load_schema(conn, "users_rename_column")
        plan = live_plan(conn, RENAME)
        run_steps(conn, plan.expand)
        conn.execute("SELECT set_config('expandcontract.side', 'old', false)")
        conn.execute("UPDATE users SET name = 'from old', full_name = 'ignored' WHERE id = 1")
        conn.execute("SELECT set_config('expandcontract.side', 'new', false)")
        conn.execute("UPDATE users SET name = 'ignored', full_name = 'from new' WHERE id = 2")
        rows = conn.execute("SELECT id, name, full_name FROM users WHERE id IN (1, 2) ORDER BY id").fetchall()
        assert rows == [(1, "from old", "from old"), (2, "from new", "from new")]


def test_backfill_does_not_rewrite_the_old_column(ec_db: Any, tmp_path: Path) -> None:
    """The backfill writes exactly up(old): the trigger must not write down(new) back into
    the old column, which for a lossy pair (here ' 42' -> 42 -> '42') would change data."""
    migration = tmp_path / "lossy.yaml"
    migration.write_text(
        "name: lossy\noperations:\n  - alter_column:\n      table: t\n      column: v\n"
        "      type: integer\n      up: CAST(trim(v) AS integer)\n      down: CAST(v_ec_new AS text)\n"
    )
    with ec_db.connect() as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, v text); "
                     "INSERT INTO t VALUES (1, ' 42'), (2, '7 '), (3, NULL)")
        plan = live_plan(conn, migration)
        run_steps(conn, plan.expand)
        run_backfills(conn, plan)
        assert conn.execute("SELECT id, v, v_ec_new FROM t ORDER BY id").fetchall() == [
            (1, " 42", 42), (2, "7 ", 7), (3, None, None)]
        # A new-shape write does reach the old column; an old-shape write reaches the new one.
        conn.execute("UPDATE t SET v_ec_new = 5 WHERE id = 1")
        conn.execute("UPDATE t SET v = ' 8' WHERE id = 2")
        conn.execute("INSERT INTO t (id, v_ec_new) VALUES (4, 9)")
        conn.execute("INSERT INTO t (id, v) VALUES (5, '10')")
        assert conn.execute("SELECT id, v, v_ec_new FROM t ORDER BY id").fetchall() == [
            (1, "5", 5), (2, " 8", 8), (3, None, None), (4, "9", 9), (5, "10", 10)]


def test_sync_objects_of_look_alike_table_column_pairs_are_distinct(ec_db: Any, tmp_path: Path) -> None:
    """`order`.items_count and order_items.count both read "order_items_count": each must get its
    own trigger function, or one table's trigger runs the other's body and every write to it
    fails ('record "new" has no field ...')."""
    from conftest import run_ec

    ec_db.execute('CREATE TABLE "order" (id int PRIMARY KEY, items_count int);'
                  "CREATE TABLE order_items (id int PRIMARY KEY, count int);"
                  "CREATE TABLE order_items_x (id int PRIMARY KEY, count int)")
    path = tmp_path / "m.yaml"
    path.write_text("name: m\noperations:\n"
                    "  - alter_column: {table: order, column: items_count, type: bigint}\n"
                    "  - alter_column: {table: order_items, column: count, type: bigint}\n"
                    "  - rename_column: {table: order_items_x, column: count, to: n}\n")
    assert run_ec("expand", str(path), "--dsn", ec_db.dsn).returncode == 0
    assert ec_db.scalar("SELECT count(DISTINCT tgfoid) FROM pg_trigger WHERE tgname LIKE '\\_ec\\_%'") == 3
    with ec_db.connect() as conn:
        conn.execute('INSERT INTO "order" (id, items_count) VALUES (1, 5)')
        conn.execute("INSERT INTO order_items (id, count) VALUES (1, 7)")
        conn.execute("INSERT INTO order_items_x (id, n) VALUES (1, 9)")
        assert scalar(conn, 'SELECT items_count_ec_new FROM "order"') == 5
        assert scalar(conn, "SELECT count_ec_new FROM order_items") == 7
        assert scalar(conn, "SELECT count FROM order_items_x") == 9
    rollback = run_ec("rollback", "m", "--dsn", ec_db.dsn)
    assert rollback.returncode == 0, rollback.stderr
    assert ec_db.scalar("SELECT count(*) FROM pg_proc WHERE proname LIKE '\\_ec\\_%'") == 0


def scalar(conn: psycopg.Connection, query: str) -> Any:
    row = conn.execute(query.encode()).fetchone()
    return row[0] if row else None
