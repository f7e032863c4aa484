"""Alembic revisions as ec input: `ec plan rev.py` maps plain ops through SQL input and takes
ec's own ops as they are, in order, with notes and errors naming lines of the .py file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic_support import EXAMPLE, PLAIN_REVISION
from conftest import run_ec

from expandcontract.errors import InputError
from expandcontract.planning.sources import load_any

HEADER = '''"""{doc}"""
import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None

'''


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_plain_alembic_ops_become_ec_operations_with_revision_lines() -> None:
    rev = PLAIN_REVISION
    done = run_ec("plan", str(rev), "--format", "json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["migration"] == "0002"
    assert [o["type"] for o in plan["operations"]] == \
        ["rename_column", "alter_column", "create_index", "add_column"]
    assert plan["operations"][0]["summary"] == "rename column email of orders to customer_email"
    line = _line_of(rev, "op.create_index(")
    assert plan["notes"] == [f"{rev}:{line}: built CONCURRENTLY: writes continue while it builds"]
    # operations remember where they came from (used in live-validation errors)
    origins = [op.origin for op in load_any(rev).operations]
    assert origins[0] == f"{rev}:{_line_of(rev, 'new_column_name=')}"


def test_ec_ops_keep_their_place_among_plain_ops(tmp_path: Path) -> None:
    rev = tmp_path / "r1_mixed.py"
    rev.write_text(HEADER.format(doc="mixed") + '''
def upgrade():
    op.add_column("t", sa.Column("a", sa.Text))
    op.ec_rename_column(table="t", column="b", to="c")
    op.drop_column("t", "d")
    op.ec_migration([{"add_check": {"table": "t", "name": "t_a", "check": "a <> ''"}}])
''')
    migration = load_any(rev)
    assert [op.type_name for op in migration.operations] == \
        ["add_column", "rename_column", "drop_column", "add_check"]
    assert migration.operations[1].origin == f"{rev}:{_line_of(rev, 'ec_rename_column')}"


def test_bad_ec_operation_names_the_line_and_field(tmp_path: Path) -> None:
    rev = tmp_path / "r1_bad.py"
    rev.write_text(HEADER.format(doc="bad") + '''
def upgrade():
    op.ec_add_column(table="t", column={"name": "x", "type": "text", "nullable": "perhaps"})
''')
    done = run_ec("plan", str(rev))
    assert done.returncode == 2
    line = _line_of(rev, "ec_add_column")
    assert done.stderr.startswith(f"ec: error: {rev}:{line}: ec_add_column: column.nullable:")
    assert "Traceback" not in done.stderr


def test_upgrade_that_raises_and_non_revisions_are_input_errors(tmp_path: Path) -> None:
    rev = tmp_path / "r1_raise.py"
    rev.write_text(HEADER.format(doc="raises") + "def upgrade():\n    raise RuntimeError('boom')\n")
    try:
        load_any(rev)
        raise AssertionError("no error")
    except InputError as exc:
        assert exc.where == f"{rev}:{_line_of(rev, 'boom')}" and "boom" in exc.message
    helper = tmp_path / "helpers.py"
    helper.write_text("def f():\n    pass\n")
    done = run_ec("plan", str(helper))
    assert done.returncode == 2 and "not an Alembic revision" in done.stderr


def test_ec_alembic_path_finds_a_revision_by_prefix() -> None:
    done = run_ec("alembic", "path", "0002", "-c", str(EXAMPLE / "alembic.ini"))
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == (EXAMPLE / "versions" / "0002_rename_email.py")


def test_plugin_entry_point_makes_ec_ops_available_without_an_import() -> None:
    code = ("import sys; from alembic import op; "
            "print(callable(op.ec_rename_column), callable(op.ec_contract), "
            "'expandcontract.alembic.plugin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]
