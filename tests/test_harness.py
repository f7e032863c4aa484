"""Every example in migrations_examples/: expand -> check -> rollback -> check -> expand ->
backfill -> contract -> check, against real PostgreSQL, checking the catalog and the data.

The final shape is compared with a second database where the same migration was applied the
naive, blocking way (plain ALTER TABLE): same columns, types, nullability, defaults, indexes,
constraints and the same rows.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from test_harness_support import (
    clone_database,
    ec_inprocess,
    ec_leftovers,
    example_dirs,
    migration_file,
    naive_sql,
    run_backfills,
    snapshot,
    table_columns,
    table_data,
)

from expandcontract.execution import store
from expandcontract.planning.sources import load_any

EXAMPLES = example_dirs()


def _phase(dsn: str, name: str) -> str | None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        record = store.get_migration(conn, name)
        return record.phase if record else None


@pytest.mark.parametrize("example", EXAMPLES, ids=[d.name for d in EXAMPLES])
def test_example_expand_rollback_expand_contract(example: Path, ec_db, ec_server) -> None:
    path = migration_file(example)
    assert path is not None
    migration = load_any(path)
    name = migration.name
    schema_sql = (example / "schema.sql").read_text()
    ec_db.execute(schema_sql)
    dsn = ec_db.dsn
    # A copy of the starting database, to apply the migration to the naive, blocking way.
    naive_name = f"{ec_db.name}_naive"
    naive_dsn = clone_database(ec_server, ec_db.name, naive_name)

    with ec_db.connect() as conn:
        before = snapshot(conn)
        old_columns = table_columns(conn)
        data_before = table_data(conn)

    # expand: the old shape keeps working -- every old table and column reads the same rows.
    code, out = ec_inprocess("expand", str(path), "--dsn", dsn)
    assert code == 0, out
    assert _phase(dsn, name) == "expanded"
    with ec_db.connect() as conn:
        assert table_data(conn, old_columns) == data_before
        expanded = snapshot(conn)
    assert expanded != before or not migration.operations, "expand changed nothing"

    # rollback: exactly the schema from before, no data lost.
    code, out = ec_inprocess("rollback", name, "--dsn", dsn)
    assert code == 0, out
    assert _phase(dsn, name) == "rolled_back"
    with ec_db.connect() as conn:
        assert snapshot(conn) == before
        assert table_data(conn) == data_before
        assert ec_leftovers(conn) == []

    # expand again, backfill, contract.
    code, out = ec_inprocess("expand", str(path), "--dsn", dsn)
    assert code == 0, out
    with ec_db.connect() as conn:
        assert snapshot(conn) == expanded
    run_backfills(dsn, name)
    code, out = ec_inprocess("contract", name, "--dsn", dsn)
    assert code == 0, out
    assert _phase(dsn, name) == "contracted"

    # The same migration applied naively to a second copy of the starting schema.
    try:
        with psycopg.connect(naive_dsn, autocommit=True) as naive:
            with naive.transaction():
                for statement in naive_sql(migration.to_document()):
                    naive.execute(statement.encode())
            expected_shape = snapshot(naive, strict=False)
            expected_data = table_data(naive)
        with ec_db.connect() as conn:
            assert snapshot(conn, strict=False) == expected_shape
            assert table_data(conn) == expected_data
            assert ec_leftovers(conn) == []
    finally:
        ec_server.drop_database(naive_name)
