"""ec lint on revisions that use ec's own Alembic operations: ec's SQL is linted like any other
and findings point at the line of the op.ec_* call that emitted the statement."""

from __future__ import annotations

from pathlib import Path

from conftest import run_ec

from expandcontract.lint.config import LintConfig
from expandcontract.lint.engine import lint_paths

REVISION = '''"""plain and ec operations"""
import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None


def upgrade():
    op.add_column("orders", sa.Column("flag", sa.Boolean, nullable=False))
    op.ec_rename_column(table="orders", column="email", to="customer_email")
    op.ec_create_index(table="orders", name="orders_c_idx", columns=["customer_id"])
    op.ec_add_column(table="orders", column={"name": "n", "type": "int", "nullable": False},
                     up="1")
    op.ec_sql(up="ALTER TABLE orders ALTER COLUMN amount TYPE bigint")
'''


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_findings_of_ec_operations_point_at_their_call(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "r1_mixed.py").write_text(REVISION)
    result = lint_paths([str(versions)], LintConfig())
    assert result.errors == []
    found = {(f.line, f.rule) for f in result.findings}
    # the raw SQL given to op.ec_sql is linted at the ec_sql line
    assert (_line(REVISION, "op.ec_sql("), "ban-rewriting-type-change") in found
    # a plain Alembic op beside them keeps its own line
    assert (_line(REVISION, '"flag"'), "ban-add-column-not-null-without-default") in found
    # ec's own expand SQL (shadow column + trigger, CONCURRENTLY outside the transaction,
    # nullable add with a lock_timeout) gives nothing to report
    ec_lines = range(_line(REVISION, "ec_rename_column"), _line(REVISION, "op.ec_sql("))
    assert [f for f in result.findings if f.line in ec_lines] == []


def test_cli_reports_file_line_and_column_for_an_ec_operation(tmp_path: Path) -> None:
    rev = tmp_path / "versions" / "r1_mixed.py"
    rev.parent.mkdir()
    rev.write_text(REVISION)
    done = run_ec("lint", str(rev))
    assert done.returncode == 1
    assert f"{rev}:{_line(REVISION, 'op.ec_sql(')}:5: error [ban-rewriting-type-change]" in done.stdout
