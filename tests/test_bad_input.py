"""Malformed migrations: each gives exit code 2 and exactly one line on stderr that names the
file (and line, where there is one) and the field or object at fault; never a traceback, and
never a half-applied database."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import run_ec

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, total integer NOT NULL, note text)"


@dataclass(frozen=True)
class Case:
    id: str
    content: str | bytes | None  # None: the path is made by ``make`` instead
    expect: tuple[str, ...]  # substrings of the error line (besides the file name)
    suffix: str = ".yaml"
    line: int | None = None  # the line the error must name
    live: bool = False  # plan with --dsn against a database holding ORDERS


def op(body: str) -> str:
    return f"name: bad\noperations:\n{body}"


CASES = [
    Case("bad_yaml", "name: bad\noperations:\n  - add_column: {table: orders\n", ("invalid YAML",), line=4),
    Case("tab_indent_yaml", "name: bad\noperations:\n\t- drop_table: {table: t}\n", ("invalid YAML",), line=3),
    Case("unknown_operation", op("  - add_colum:\n      table: orders\n"), ("unknown operation", "add_colum"), line=3),
    Case("missing_field", op("  - add_column:\n      table: orders\n"), ("operations[0].add_column.column", "required"), line=3),
    Case("wrong_field_type", op("  - add_column:\n      table: orders\n      column:\n        name: x\n        type: text\n        nullable: maybe\n"), ("column.nullable", "bool"), line=8),
    Case("unknown_field", op("  - drop_table:\n      table: orders\n      cascade: true\n"), ("drop_table.cascade", "unknown field"), line=5),
    Case("empty_operations", "name: bad\noperations: []\n", ("operations", "non-empty"), line=2),
    Case("missing_operations", "name: bad\n", ("operations",)),
    Case("wrong_top_level", "- drop_table: {table: orders}\n", ("mapping",), line=1),
    Case("bad_migration_name", "name: 'bad name!'\noperations:\n  - drop_table: {table: orders}\n", ("name", "letters"), line=1),
    Case("operation_not_mapping", op("  - drop_table\n"), ("operations[0]", "exactly one key"), line=3),
    Case("hostile_type", op("  - add_column:\n      table: orders\n      column: {name: x, type: 'int; DROP TABLE orders'}\n"), ("column.type", "not a valid SQL type"), line=5),
    Case("alter_nothing", op("  - alter_column:\n      table: orders\n      column: total\n"), ("alter_column", "nothing to change"), line=3),
    Case("not_null_without_source", op("  - add_column:\n      table: orders\n      column: {name: x, type: int, nullable: false}\n"), ("'x'", "up", "default"), line=3),
    Case("fk_arity", op("  - add_foreign_key:\n      table: orders\n      name: fk\n      columns: [a, b]\n      references: {table: t, columns: [id]}\n"), ("add_foreign_key", "2 columns reference 1"), line=3),
    Case("sql_bad_lock", op("  - sql:\n      up: SELECT 1\n      lock: MEGA\n"), ("sql.lock", "unknown lock"), line=5),
    Case("bad_json", '{"name": "bad", "operations": [}', ("invalid JSON",), suffix=".json", line=1),
    Case("json_wrong_type", '{"name": "bad", "operations": [{"drop_table": {"table": 5}}]}', ("drop_table.table", "string"), suffix=".json", line=1),
    Case("not_utf8", b"name: bad\noperations:\n  - drop_table: {table: caf\xe9}\n", ("not UTF-8",)),
    Case("unknown_suffix", "name: bad\n", ("unknown file type",), suffix=".txt"),
    Case("missing_file", None, ("file not found",)),
    Case("directory", None, ("directory",)),
    Case("unreadable", None, ("not a directory",)),
    Case("duplicate_key", op("  - add_column:\n      table: orders\n      table: customers\n      column: {name: x, type: int}\n"), ("duplicate key 'table'",), line=5),
    Case("json_duplicate_key", '{"name": "bad", "operations": [{"drop_table": {"table": "a"}}], "name": "b"}', ("duplicate key 'name'",), suffix=".json", line=1),
    Case("nul_escape", op('  - drop_table: {table: "a\\0b"}\n'), ("NUL",), line=3),
    Case("nul_byte_sql", "SELECT 1;\nALTER TABLE t RENAME COLUMN a TO b\0;\n", ("NUL",), suffix=".sql", line=2),
    Case("nested_too_deeply", "a: " + "[" * 5000 + "]" * 5000 + "\n", ("nested too deeply",)),
    Case("default_two_statements", op("  - add_column:\n      table: orders\n      column: {name: x, type: int, default: '1; DROP TABLE orders'}\n"), ("column.default", "not a valid SQL expression", "near \";\" (character 2)"), line=5),
    Case("up_closes_its_parenthesis", op("  - add_column:\n      table: orders\n      column: {name: x, type: int}\n      up: 1) FROM orders; DROP TABLE orders; SELECT (1\n"), ("add_column.up", "single SQL expression"), line=6),
    Case("where_closes_its_parenthesis", op("  - create_index:\n      table: orders\n      name: i\n      columns: [total]\n      where: true) FROM orders WHERE (true\n"), ("create_index.where", "single SQL expression"), line=7),
    Case("check_trailing_comment", op("  - add_check:\n      table: orders\n      name: c\n      check: total > 0 -- comments out NOT VALID\n"), ("add_check.check", "not a valid SQL expression"), line=6),
    Case("unknown_table_live", op("  - drop_table:\n      table: ordres\n"), ("table 'ordres' does not exist",), line=3, live=True),
    Case("unknown_column_live", op("  - drop_column:\n      table: orders\n      column: totl\n"), ("column 'totl' does not exist", "orders"), line=3, live=True),
    Case("existing_column_live", op("  - add_column:\n      table: orders\n      column: {name: note, type: text}\n"), ("column 'note' already exists",), line=3, live=True),
    Case("unknown_type_live", op("  - add_column:\n      table: orders\n      column: {name: x, type: intger}\n"), ("type 'intger' does not exist",), line=3, live=True),
    Case("rename_to_existing_live", op("  - rename_column:\n      table: orders\n      column: note\n      to: total\n"), ("column 'total' already exists",), line=3, live=True),
]


def make_path(case: Case, tmp_path: Path) -> Path:
    if case.id == "missing_file":
        return tmp_path / "nope.yaml"
    if case.id == "directory":
        d = tmp_path / "dir.yaml"
        d.mkdir()
        return d
    if case.id == "unreadable":
        # We run as root, so chmod 000 would not stop us: a path "under" a regular file cannot
        # be opened by anyone.
        f = tmp_path / "file"
        f.write_text("x")
        return f / "m.yaml"
    path = tmp_path / f"m{case.suffix}"
    assert case.content is not None
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    else:
        path.write_text(case.content)
    return path


@pytest.fixture(scope="module")
def live_dsn(ec_server: Any) -> Any:
    from expandcontract.testing.servers import unique_db_name

    name = unique_db_name()
    dsn = ec_server.create_database(name)
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(ORDERS)
    yield dsn
    ec_server.drop_database(name)


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 15
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, live_dsn: str) -> dict[str, Any]:
    """Run the whole corpus at once, in parallel (each `ec` run is a fresh process)."""

    # Paths are made here, not in the threads: tmp_path_factory is not thread-safe (its first
    # use picks the base directory, and racing threads picked different ones).
    paths = [make_path(case, tmp_path_factory.mktemp(case.id)) for case in CASES]

    def one(case: Case, path: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
        args = ["plan", str(path)] + (["--dsn", live_dsn] if case.live else [])
        return path, run_ec(*args)

    with ThreadPoolExecutor(max_workers=6) as pool:
        return dict(zip([c.id for c in CASES], pool.map(one, CASES, paths), strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, results: dict[str, Any]) -> None:
    path, result = results[case.id]
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("ec: error: ")
    assert str(path) in line
    if case.line is not None:
        assert f"{path}:{case.line}:" in line, line
    for text in case.expect:
        assert text.lower() in line.lower(), line
    assert result.stdout == ""


def test_live_error_changes_nothing(live_dsn: str, tmp_path: Path) -> None:
    """Validation happens before anything runs: `ec expand` of a migration whose second
    operation is bad applies neither."""
    import psycopg

    path = tmp_path / "m.yaml"
    path.write_text(op("  - add_column:\n      table: orders\n      column: {name: fine, type: text}\n"
                       "  - drop_column:\n      table: orders\n      column: missing\n"))
    result = run_ec("expand", str(path), "--dsn", live_dsn)
    assert result.returncode == 2, result.stderr
    assert f"{path}:6:" in result.stderr
    with psycopg.connect(live_dsn) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attnum > 0")]
    assert "fine" not in cols
