"""SQL in, operations out: every mapping of planning/load_sql.py, line numbers, raw fallbacks.

In-process and without a database: this is parsing and mapping. The CLI side (exit codes,
plan output, convert round trip, applying a converted file) is in test_convert.py.
"""

from __future__ import annotations

from typing import Any

import pglast
import pytest

from expandcontract.errors import InputError
from expandcontract.planning.load_sql import load_sql_text
from expandcontract.planning.model import Migration
from expandcontract.planning.planner import build_plan
from expandcontract.planning.sql_deparse import deparse
from expandcontract.sqltext import ident


def load(sql: str) -> Migration:
    return load_sql_text(sql, "m.sql", "m")


def docs(sql: str) -> list[dict[str, Any]]:
    """Each operation as {type: fields}, as the migration file would hold it."""
    return [op.to_document() for op in load(sql).operations]


def one(sql: str) -> tuple[str, dict[str, Any]]:
    ops = docs(sql)
    assert len(ops) == 1, ops
    ((kind, fields),) = ops[0].items()
    return kind, fields


# --- tables --------------------------------------------------------------------------------

def test_create_table_columns_and_constraints() -> None:
    kind, f = one(
        "CREATE TABLE app.orders (id bigint PRIMARY KEY, email text NOT NULL DEFAULT '', "
        "customer_id int REFERENCES app.customers (id), qty int CHECK (qty > 0), "
        "code text UNIQUE, note varchar(20) NULL);"
    )
    assert kind == "create_table"
    assert f["table"] == "orders" and f["schema"] == "app"
    cols = {c["name"]: c for c in f["columns"]}
    assert list(cols) == ["id", "email", "customer_id", "qty", "code", "note"]
    assert cols["id"] == {"name": "id", "type": "bigint", "primary_key": True}
    assert cols["email"] == {"name": "email", "type": "text", "nullable": False, "default": "''"}
    assert cols["customer_id"]["references"] == {"table": "customers", "schema": "app", "column": "id"}
    assert cols["qty"]["check"] == "qty > 0"
    assert cols["code"]["unique"] is True
    assert cols["note"] == {"name": "note", "type": "varchar(20)"}


def test_create_table_composite_key_and_table_constraints() -> None:
    ops = docs(
        "CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b), UNIQUE (b, c), "
        "CONSTRAINT c_pos CHECK (c > 0), FOREIGN KEY (c) REFERENCES u (id) ON DELETE CASCADE);"
    )
    assert [next(iter(op)) for op in ops] == ["create_table", "add_unique", "add_check", "add_foreign_key"]
    assert ops[0]["create_table"]["primary_key"] == ["a", "b"]
    # Unnamed constraints get PostgreSQL's default names.
    assert ops[1]["add_unique"] == {"table": "t", "name": "t_b_c_key", "columns": ["b", "c"]}
    assert ops[2]["add_check"] == {"table": "t", "name": "c_pos", "check": "c > 0"}
    assert ops[3]["add_foreign_key"] == {
        "table": "t", "name": "t_c_fkey", "columns": ["c"],
        "references": {"table": "u", "columns": ["id"]}, "on_delete": "cascade",
    }


@pytest.mark.parametrize(
    ("sql", "why"),
    [
        ("CREATE TEMP TABLE t (a int)", "TEMPORARY"),
        ("CREATE UNLOGGED TABLE t (a int)", "UNLOGGED"),
        ("CREATE TABLE t (a int) PARTITION BY RANGE (a)", "PARTITION BY"),
        ("CREATE TABLE t (a text COLLATE \"C\")", "COLLATE"),
        ("CREATE TABLE t (a int GENERATED ALWAYS AS IDENTITY)", "IDENTITY"),
        ("CREATE TABLE t (LIKE u)", "LIKE"),
    ],
)
def test_create_table_unmappable_kept_raw(sql: str, why: str) -> None:
    m = load(sql + ";")
    assert [op.to_document() for op in m.operations] == [{"sql": {"up": sql}}]
    assert len(m.notes) == 1 and m.notes[0].startswith("m.sql:1: kept as raw SQL: ")
    assert why in m.notes[0]


def test_drop_table_each_table_and_cascade_kept_raw() -> None:
    assert docs("DROP TABLE a, s.b;") == [
        {"drop_table": {"table": "a"}},
        {"drop_table": {"table": "b", "schema": "s"}},
    ]
    m = load("DROP TABLE a CASCADE;")
    assert m.operations[0].to_document() == {"sql": {"up": "DROP TABLE a CASCADE"}}
    assert "CASCADE" in m.notes[0]


def test_rename_table_and_column() -> None:
    assert one("ALTER TABLE s.orders RENAME TO purchases;") == (
        "rename_table", {"table": "orders", "schema": "s", "to": "purchases"}
    )
    assert one("ALTER TABLE orders RENAME COLUMN a TO b;") == (
        "rename_column", {"table": "orders", "column": "a", "to": "b"}
    )
    # Renaming other things has no operation.
    m = load("ALTER INDEX i RENAME TO j;")
    assert m.operations[0].type_name == "sql" and "kept as raw SQL" in m.notes[0]


# --- columns -------------------------------------------------------------------------------

def test_add_column_with_everything() -> None:
    kind, f = one(
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'new' "
        "UNIQUE REFERENCES statuses (code) CHECK (status <> '');"
    )
    assert kind == "add_column"
    assert f == {
        "table": "orders",
        "column": {
            "name": "status", "type": "text", "nullable": False, "default": "'new'",
            "unique": True, "references": {"table": "statuses", "column": "code"},
            "check": "status <> ''",
        },
    }


@pytest.mark.parametrize(
    "default",
    ["now()", "random()", "gen_random_uuid()", "clock_timestamp()", "nextval('s')",
     "current_timestamp", "my_function(1)", "(SELECT max(id) FROM t)"],
)
def test_add_column_per_row_default_becomes_backfill(default: str) -> None:
    m = load(f"ALTER TABLE t ADD COLUMN c timestamptz NOT NULL DEFAULT {default};")
    ((kind, f),) = m.operations[0].to_document().items()
    assert kind == "add_column"
    assert f["column"]["nullable"] is False
    # The same expression fills existing rows (a batched backfill) and stays the default.
    assert f["up"] == f["column"]["default"]
    reparsed = pglast.parse_sql(f"SELECT {f['up']}")[0].stmt
    assert reparsed == pglast.parse_sql(f"SELECT {default}")[0].stmt
    plan = build_plan(m)
    assert plan.backfill and plan.backfill[0].set[0][0] == "c"


@pytest.mark.parametrize("default", ["0", "'x'", "'{}'::jsonb", "false", "-1", "NULL"])
def test_add_column_constant_default_has_no_up(default: str) -> None:
    _, f = one(f"ALTER TABLE t ADD COLUMN c jsonb DEFAULT {default};")
    assert "up" not in f
    assert pglast.parse_sql(f"SELECT {f['column']['default']}")[0].stmt == pglast.parse_sql(
        f"SELECT {default}"
    )[0].stmt


def test_add_column_named_constraints_become_their_own_operations() -> None:
    ops = docs(
        "ALTER TABLE t ADD COLUMN c int CONSTRAINT c_pos CHECK (c > 0) "
        "CONSTRAINT c_fk REFERENCES u (id) ON DELETE SET NULL;"
    )
    assert ops == [
        {"add_column": {"table": "t", "column": {"name": "c", "type": "integer"}}},
        {"add_check": {"table": "t", "name": "c_pos", "check": "c > 0"}},
        {"add_foreign_key": {"table": "t", "name": "c_fk", "columns": ["c"],
                             "references": {"table": "u", "columns": ["id"]}, "on_delete": "set null"}},
    ]


def test_add_serial_column_is_kept_raw_with_the_reason() -> None:
    m = load("ALTER TABLE t ADD COLUMN id bigserial;")
    assert m.operations[0].type_name == "sql"
    assert "ACCESS EXCLUSIVE" in m.notes[0] and "nextval" in m.notes[0]


def test_drop_column() -> None:
    assert one("ALTER TABLE t DROP COLUMN IF EXISTS old;") == ("drop_column", {"table": "t", "column": "old"})


def test_alter_column_type_with_and_without_using() -> None:
    kind, f = one("ALTER TABLE t ALTER COLUMN n TYPE bigint USING n::bigint;")
    assert kind == "alter_column" and f["type"] == "bigint"
    assert pglast.parse_sql(f"SELECT {f['up']}")[0].stmt == pglast.parse_sql("SELECT n::bigint")[0].stmt
    assert one("ALTER TABLE t ALTER n SET DATA TYPE numeric(12,2);") == (
        "alter_column", {"table": "t", "column": "n", "type": "numeric(12, 2)"}
    )


def test_alter_column_null_and_default() -> None:
    assert docs(
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b DROP NOT NULL, "
        "ALTER COLUMN c SET DEFAULT 'x', ALTER COLUMN d DROP DEFAULT;"
    ) == [
        {"alter_column": {"table": "t", "column": "a", "nullable": False}},
        {"alter_column": {"table": "t", "column": "b", "nullable": True}},
        {"alter_column": {"table": "t", "column": "c", "default": "'x'"}},
        {"alter_column": {"table": "t", "column": "d", "drop_default": True}},
    ]


def test_alter_column_subcommands_on_one_column_become_one_operation() -> None:
    assert docs(
        "ALTER TABLE t ALTER COLUMN n TYPE bigint USING n::bigint, ALTER COLUMN n SET NOT NULL, "
        "ALTER COLUMN n SET DEFAULT 0, ALTER COLUMN m DROP DEFAULT, ALTER COLUMN n DROP DEFAULT;"
    ) == [
        {"alter_column": {"table": "t", "column": "n", "type": "bigint", "up": "CAST(n AS bigint)",
                          "nullable": False, "default": "0"}},
        {"alter_column": {"table": "t", "column": "m", "drop_default": True}},
        # Conflicts with the SET DEFAULT above: kept separate, in order.
        {"alter_column": {"table": "t", "column": "n", "drop_default": True}},
    ]


# --- indexes -------------------------------------------------------------------------------

def test_create_index_always_concurrent() -> None:
    m = load("CREATE INDEX orders_customer_idx ON orders (customer_id);")
    ((kind, f),) = m.operations[0].to_document().items()
    assert (kind, f) == ("create_index", {"table": "orders", "name": "orders_customer_idx", "columns": ["customer_id"]})
    assert any("CONCURRENTLY" in n for n in m.notes)
    (step,) = build_plan(m).expand
    assert "CONCURRENTLY" in step.sql and step.transactional is False


def test_create_index_options() -> None:
    kind, f = one(
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON s.t USING hash (a) "
        "INCLUDE (b, c) WHERE d > 0 AND e IS NOT NULL;"
    )
    assert f == {
        "table": "t", "schema": "s", "name": "ix", "columns": ["a"], "unique": True,
        "method": "hash", "where": "d > 0 AND e IS NOT NULL", "include": ["b", "c"],
    }
    # CONCURRENTLY already: no note about it.
    assert not any("CONCURRENTLY" in n for n in load("CREATE INDEX CONCURRENTLY ix ON t (a);").notes)


def test_unnamed_index_gets_postgres_style_name() -> None:
    m = load("CREATE INDEX ON t (a, b);")
    assert m.operations[0].to_document()["create_index"]["name"] == "t_a_b_idx"
    assert any("t_a_b_idx" in n for n in m.notes)


def test_expression_index_kept_raw_but_concurrent() -> None:
    m = load("CREATE INDEX ix ON t (lower(email) DESC);")
    op = m.operations[0].to_document()["sql"]
    expected = pglast.parse_sql("CREATE INDEX CONCURRENTLY ix ON t (lower(email) DESC)")[0].stmt
    assert pglast.parse_sql(op["up"])[0].stmt == expected
    assert op["transactional"] is False and op["lock"] == "SHARE UPDATE EXCLUSIVE"
    assert m.notes[0].startswith("m.sql:1: kept as raw SQL: index on an expression")


def test_drop_index() -> None:
    assert one("DROP INDEX CONCURRENTLY IF EXISTS s.ix;") == ("drop_index", {"name": "ix", "schema": "s"})


# --- constraints ---------------------------------------------------------------------------

def test_add_constraints() -> None:
    m = load(
        "ALTER TABLE t ADD CONSTRAINT pos CHECK (n > 0) NOT VALID,\n"
        "  ADD CONSTRAINT fk FOREIGN KEY (a, b) REFERENCES s.u (x, y) ON UPDATE RESTRICT NOT VALID,\n"
        "  ADD CONSTRAINT uq UNIQUE (a, b),\n"
        "  ADD CHECK (m < 10);\n"
        "ALTER TABLE t VALIDATE CONSTRAINT pos;"
    )
    assert [op.to_document() for op in m.operations] == [
        {"add_check": {"table": "t", "name": "pos", "check": "n > 0"}},
        {"add_foreign_key": {"table": "t", "name": "fk", "columns": ["a", "b"],
                             "references": {"table": "u", "schema": "s", "columns": ["x", "y"]},
                             "on_update": "restrict"}},
        {"add_unique": {"table": "t", "name": "uq", "columns": ["a", "b"]}},
        {"add_check": {"table": "t", "name": "t_m_check", "check": "m < 10"}},
    ]
    # NOT VALID is what ec does anyway; the later VALIDATE is part of add_check.
    assert any(n.startswith("m.sql:1: NOT VALID") for n in m.notes)
    assert any(n.startswith("m.sql:5: dropped: VALIDATE CONSTRAINT pos") for n in m.notes)


def test_unique_using_index_folds_the_index_into_add_unique() -> None:
    m = load(
        "CREATE UNIQUE INDEX CONCURRENTLY t_email_ix ON t (email);\n"
        "ALTER TABLE t ADD CONSTRAINT t_email_key UNIQUE USING INDEX t_email_ix;"
    )
    assert [op.to_document() for op in m.operations] == [
        {"add_unique": {"table": "t", "name": "t_email_key", "columns": ["email"]}}
    ]
    assert any(n.startswith("m.sql:2: folds CREATE UNIQUE INDEX t_email_ix") for n in m.notes)


def test_unique_using_unknown_index_kept_raw() -> None:
    m = load("ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX elsewhere;")
    assert m.operations[0].to_document() == {
        "sql": {"up": "ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX elsewhere"}
    }
    assert "elsewhere" in m.notes[0]


# --- composite ALTER TABLE -----------------------------------------------------------------

def test_composite_alter_maps_each_subcommand_in_order() -> None:
    ops = docs(
        "ALTER TABLE orders ADD COLUMN email text, DROP COLUMN old_ref, "
        "ALTER COLUMN total TYPE bigint, ADD CONSTRAINT email_ne CHECK (email <> '');"
    )
    assert [next(iter(op)) for op in ops] == ["add_column", "drop_column", "alter_column", "add_check"]


def test_composite_alter_keeps_only_the_unmappable_subcommand_raw() -> None:
    m = load("ALTER TABLE t ADD COLUMN a int,\n  SET (fillfactor = 70),\n  DROP COLUMN b;")
    assert [op.to_document() for op in m.operations] == [
        {"add_column": {"table": "t", "column": {"name": "a", "type": "integer"}}},
        {"sql": {"up": "ALTER TABLE t SET (fillfactor = 70)"}},
        {"drop_column": {"table": "t", "column": "b"}},
    ]
    assert m.notes == ["m.sql:1: kept as raw SQL: ALTER TABLE SET (storage parameters) has no ec operation"]


# --- line numbers --------------------------------------------------------------------------

def test_line_numbers_multiline_comments_and_non_ascii() -> None:
    sql = (
        "-- Migration für Bestellungen: ünïcödé before the statements shifts byte offsets\n"
        "/* a block comment /* nested */ still comment */\n"
        "ALTER TABLE orders\n"
        "  ADD COLUMN \"straße\" text DEFAULT 'größe';\n"
        "\n"
        "CREATE INDEX ix ON orders (\"straße\"); GRANT SELECT ON orders TO reader;\n"
        "-- 日本語のコメント\n"
        "UPDATE orders\n"
        "   SET \"straße\" = 'ß';\n"
    )
    m = load(sql)
    assert [op.origin for op in m.operations] == ["m.sql:3", "m.sql:6", "m.sql:6", "m.sql:8"]
    assert m.operations[0].to_document()["add_column"]["column"]["default"] == "'größe'"
    assert m.operations[3].to_document()["sql"]["up"] == "UPDATE orders\n   SET \"straße\" = 'ß'"
    assert [n.split(":")[1] for n in m.notes if "raw SQL" in n] == ["6", "8"]


# --- what is kept raw or dropped -----------------------------------------------------------

@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", "CREATE FUNCTION"),
        ("GRANT SELECT ON orders TO reader", "GRANT"),
        ("UPDATE orders SET a = 1 WHERE b IS NULL", "UPDATE"),
        ("CREATE VIEW v AS SELECT * FROM orders", "CREATE VIEW"),
        ("DO $$ BEGIN PERFORM 1; END $$", "DO block"),
        ("COMMENT ON TABLE orders IS 'x'", "COMMENT"),
        ("CREATE TYPE mood AS ENUM ('a', 'b')", "ENUM"),
        ("ALTER TABLE t DROP CONSTRAINT c", "DROP CONSTRAINT"),
        ("ALTER TABLE ONLY t ADD COLUMN a int", "ONLY"),
    ],
)
def test_unmapped_statements_are_kept_raw_and_said_so(sql: str, reason: str) -> None:
    m = load(f"\n{sql};\n")
    assert [op.to_document() for op in m.operations] == [{"sql": {"up": sql, **_raw_extras(sql)}}]
    (note,) = m.notes
    assert note.startswith("m.sql:2: kept as raw SQL: ") and reason in note


def _raw_extras(sql: str) -> dict[str, Any]:
    if sql.startswith("UPDATE"):
        return {"lock": "ROW EXCLUSIVE"}
    if sql.startswith(("CREATE FUNCTION", "CREATE TYPE")):
        return {"lock": "none"}
    return {}


def test_vacuum_kept_raw_outside_a_transaction() -> None:
    m = load("VACUUM ANALYZE orders;")
    assert m.operations[0].to_document() == {
        "sql": {"up": "VACUUM ANALYZE orders", "transactional": False, "lock": "SHARE UPDATE EXCLUSIVE"}
    }
    assert build_plan(m).expand[0].transactional is False


def test_transaction_control_and_timeouts_are_dropped_with_a_note() -> None:
    m = load("BEGIN;\nSET lock_timeout = '2s';\nSET LOCAL statement_timeout TO 0;\n"
             "ALTER TABLE t DROP COLUMN c;\nCOMMIT;\n")
    assert [op.type_name for op in m.operations] == ["drop_column"]
    assert [n.split(": ")[0] for n in m.notes] == ["m.sql:1", "m.sql:2", "m.sql:3", "m.sql:5"]
    assert all("dropped" in n for n in m.notes)


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("sql", "where"),
    [
        ("ALTER TABLE t ADD COLUMN;", "m.sql:1:25"),
        ("-- ünïcödé\nSELECT 1;\n\nCREATE TABEL x (a int);", "m.sql:4:8"),
        ("SELECT 'unterminated", "m.sql:1:8"),
        ("SELECT 1;\n\\set ON_ERROR_STOP on\n", "m.sql:2:1"),
    ],
)
def test_syntax_error_names_file_line_and_column(sql: str, where: str) -> None:
    with pytest.raises(InputError) as info:
        load(sql)
    assert info.value.where == where
    assert "syntax error" in info.value.message or "unterminated" in info.value.message
    assert "\n" not in info.value.one_line()
    if "\\set" in sql:
        assert "psql meta-commands" in info.value.message


def test_byte_order_mark_is_ignored() -> None:
    m = load("\ufeffALTER TABLE t DROP COLUMN c;")
    assert [op.origin for op in m.operations] == ["m.sql:1"]


@pytest.mark.parametrize("sql", ["", "   \n", "-- only a comment\n/* and another */\n"])
def test_empty_input_is_an_error(sql: str) -> None:
    with pytest.raises(InputError, match="no SQL statements"):
        load(sql)


def test_only_transaction_control_is_an_error() -> None:
    with pytest.raises(InputError, match="nothing to migrate"):
        load("BEGIN; COMMIT;")


def test_value_an_operation_rejects_falls_back_to_raw() -> None:
    # A type name with a semicolon is valid SQL but add_column refuses it as unsafe text:
    # the whole statement then runs as written, and the note says why.
    m = load('ALTER TABLE t ADD COLUMN a "odd;type", ADD COLUMN b int;')
    assert [op.type_name for op in m.operations] == ["sql"]
    assert "add_column rejected it" in m.notes[0]


# --- hostile identifiers -------------------------------------------------------------------

def test_hostile_identifiers_survive_mapping_exactly() -> None:
    weird_table = 'Weird "Name"; x'
    weird_col = "Col -- umn"
    m = load(
        'CREATE TABLE "My Schema"."Weird ""Name""; x" ("Col -- umn" int NOT NULL);\n'
        'ALTER TABLE "My Schema"."Weird ""Name""; x" RENAME COLUMN "Col -- umn" TO "DROP TABLE x;";\n'
        'CREATE INDEX "Ix""1" ON "My Schema"."Weird ""Name""; x" ("DROP TABLE x;");\n'
    )
    d = [op.to_document() for op in m.operations]
    assert d[0]["create_table"]["table"] == weird_table
    assert d[0]["create_table"]["schema"] == "My Schema"
    assert d[0]["create_table"]["columns"][0]["name"] == weird_col
    assert d[1]["rename_column"] == {"table": weird_table, "schema": "My Schema",
                                     "column": weird_col, "to": "DROP TABLE x;"}
    assert d[2]["create_index"]["name"] == 'Ix"1'
    # ...and come out quoted in the generated statements.
    plan = build_plan(m)
    create = plan.expand[0].sql
    assert ident("My Schema", weird_table) in create and ident(weird_col) in create
    assert any(ident('Ix"1') in s.sql for s in plan.expand)


# --- deparsing -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "expr",
    [
        "a BETWEEN 1 AND 2", "a IN (1, 2, 3)", "NOT (a AND b OR c)", "a ~~ 'x%'",
        "CASE WHEN a > 0 THEN 'p' ELSE coalesce(b, 'n') END", "lower(\"Mixed Case\")",
        "(SELECT max(x) FROM y WHERE y.z = t.z)", "extract(epoch FROM now())",
        "date_trunc('day', ts) AT TIME ZONE 'UTC'", "ARRAY[1, 2]::bigint[]", "-1::int",
        "'{\"k\": 1}'::jsonb ->> 'k'", "x IS DISTINCT FROM y", "interval '1 day'",
        "row(1, 2)", "a[1]", "count(*) FILTER (WHERE y)", "e'\\n'", "U&'\\0041'",
        "0", "0.0", "''", "true", "NULL", "B'0101'",
    ],
)
def test_deparse_round_trips(expr: str) -> None:
    import json

    from pglast.parser import parse_sql_json

    tree = json.loads(parse_sql_json(f"SELECT {expr}"))["stmts"][0]["stmt"]
    text = deparse(tree["SelectStmt"]["targetList"][0]["ResTarget"]["val"])
    assert pglast.parse_sql(f"SELECT {text}")[0].stmt == pglast.parse_sql(f"SELECT {expr}")[0].stmt


@pytest.mark.parametrize(
    "type_text",
    ["int", "integer", "bigint", "smallint", "boolean", "bool", "real", "float8", "double precision",
     "text", "timestamptz", "timestamp with time zone", "uuid", "jsonb", "varchar(20)", "numeric(10,2)",
     "int[]", "public.mood", '"My Type"', '"user"', "interval day to second", "bit(3)", "char",
     "citext", "serial", "my_type"],
)
def test_type_text_fast_path_agrees_with_the_printer(type_text: str) -> None:
    import json

    from pglast.parser import parse_sql_json

    from expandcontract.planning.sql_deparse import type_sql

    stmt = json.loads(parse_sql_json(f"CREATE TABLE t (c {type_text})"))["stmts"][0]["stmt"]
    type_name = stmt["CreateStmt"]["tableElts"][0]["ColumnDef"]["typeName"]
    assert type_sql(type_name) == deparse({"TypeName": type_name})
