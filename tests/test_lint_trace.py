"""`ec lint --trace` engine: statements run against a scratch database on the real server."""

from __future__ import annotations

from expandcontract.lint.trace import trace_statements


def _relation_locks(result) -> set[tuple[str, str]]:
    return {(lock.target, lock.mode) for lock in result.locks if lock.locktype == "relation"}


def _scratch_databases(ec_db) -> list[str]:
    return [row[0] for row in ec_db.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ec_trace_%'")]


def test_locks_and_rewrites_of_a_file_traced_in_order(ec_db):
    statements = [
        "CREATE TABLE t (id int PRIMARY KEY, a int, v varchar(10))",
        "INSERT INTO t SELECT g, g, 'x' FROM generate_series(1, 50) g",
        "CREATE INDEX t_a ON t (a)",
        "ALTER TABLE t ALTER COLUMN a TYPE bigint",
        "ALTER TABLE t ALTER COLUMN v TYPE varchar(20)",
        "ALTER TABLE t ALTER COLUMN v TYPE text",
        "SELECT count(*) FROM t",
    ]
    results = trace_statements(ec_db.dsn, statements)
    assert [r.index for r in results] == list(range(len(statements)))
    assert all(r.error is None and r.apply_error is None for r in results)

    create_index = results[2]
    assert ("t", "ShareLock") in _relation_locks(create_index)
    assert create_index.rewritten == []

    int_to_bigint = results[3]  # applied after the index above: the index is rebuilt too
    assert ("t", "AccessExclusiveLock") in _relation_locks(int_to_bigint)
    assert {"t", "t_a", "t_pkey"} <= set(int_to_bigint.rewritten)
    assert int_to_bigint.strongest_lock == "AccessExclusiveLock"

    assert results[4].rewritten == []  # varchar growth: no rewrite
    assert results[5].rewritten == []  # varchar -> text: no rewrite
    assert {mode for _, mode in _relation_locks(results[6])} == {"AccessShareLock"}

    # the scratch database is gone and the DSN's own database was never touched
    assert _scratch_databases(ec_db) == []
    assert ec_db.scalar("SELECT to_regclass('public.t')") is None


def test_non_transactional_statements_are_reported_and_still_applied(ec_db):
    results = trace_statements(ec_db.dsn, [
        "CREATE TABLE t (id int)",
        "BEGIN",
        "CREATE INDEX CONCURRENTLY t_id ON t (id)",
        "VACUUM t",
        "ALTER INDEX t_id RENAME TO t_id2",  # only works if the concurrent build was applied
        "COMMIT",
        "LOCK TABLE t IN SHARE MODE",
    ])
    assert results[1].skipped and results[5].skipped
    assert results[2].transactional is False and results[2].error is None
    assert results[3].transactional is False
    assert results[4].error is None
    assert "t_id2" in {target for target, _ in _relation_locks(results[4])}
    assert ("t", "ShareLock") in _relation_locks(results[6])
    assert results[6].apply_error is None  # LOCK is traced, not applied on its own


def test_a_failing_statement_is_reported_and_the_file_continues(ec_db):
    results = trace_statements(ec_db.dsn, [
        "CREATE TABLE t (id int)",
        "ALTER TABLE missing ADD COLUMN x int",
        "ALTER TABLE t ADD COLUMN x int DEFAULT 1",
        "ALTER TABLE t ADD COLUMN x int",  # fails: x was applied by the previous statement
    ])
    assert results[1].error is not None and "missing" in results[1].error
    assert results[2].error is None and results[2].rewritten == []
    assert results[3].error is not None and '"x"' in results[3].error


def test_schema_copy_traces_statements_on_existing_tables(ec_db):
    ec_db.execute("CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10,2))")
    ec_db.execute("INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g")
    results = trace_statements(ec_db.dsn, [
        "ALTER TABLE orders ADD COLUMN r float8 DEFAULT random()",
        "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2)",
    ], copy_schema=True)
    assert results[0].error is None
    assert "orders" in results[0].rewritten
    assert results[1].rewritten == []
    # the real table is untouched and holds its rows
    assert ec_db.scalar("SELECT count(*) FROM information_schema.columns "
                        "WHERE table_name = 'orders' AND column_name = 'r'") == 0
    assert ec_db.scalar("SELECT count(*) FROM orders") == 100
    assert _scratch_databases(ec_db) == []
