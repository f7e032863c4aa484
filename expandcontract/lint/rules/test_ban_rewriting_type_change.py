"""ban-rewriting-type-change: rewrites are errors; PostgreSQL's binary-compatible changes pass.

The old type comes from an earlier file of the same run (files are linted in order), so the
safe/unsafe cases go through lint_paths with a "schema" file first.
"""

from pathlib import Path

import pytest

from ..config import LintConfig
from ..engine import lint_paths
from ._testing import findings

RULE = "ban-rewriting-type-change"
SCHEMA = """CREATE TABLE orders (
    id integer, note varchar(20), body text, amount numeric(10,2), ts timestamp(3),
    addr cidr, code char(4), tags varchar(10)[]
);
"""


def _with_schema(tmp_path: Path, alter: str) -> list:
    (tmp_path / "001_schema.sql").write_text(SCHEMA)
    (tmp_path / "002_change.sql").write_text(alter)
    result = lint_paths([str(tmp_path)], LintConfig())
    return [f for f in result.findings if f.rule == RULE]


def test_fires() -> None:
    hits = findings("ALTER TABLE orders ALTER COLUMN id TYPE bigint;", RULE)
    assert len(hits) == 1 and hits[0].severity == "error" and hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    # A table created in the same file is empty and private: nothing to rewrite.
    assert findings(SCHEMA + "ALTER TABLE orders ALTER COLUMN id TYPE bigint;", RULE) == []


@pytest.mark.parametrize("alter", [
    "ALTER TABLE orders ALTER COLUMN note TYPE varchar(40);",
    "ALTER TABLE orders ALTER COLUMN note TYPE varchar;",
    "ALTER TABLE orders ALTER COLUMN note TYPE text;",
    "ALTER TABLE orders ALTER COLUMN body TYPE varchar;",
    "ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);",
    "ALTER TABLE orders ALTER COLUMN amount TYPE numeric;",
    "ALTER TABLE orders ALTER COLUMN ts TYPE timestamp(6);",
    "ALTER TABLE orders ALTER COLUMN addr TYPE inet;",
])
def test_rewrite_free_changes_pass(tmp_path: Path, alter: str) -> None:
    assert _with_schema(tmp_path, alter) == []


@pytest.mark.parametrize("alter", [
    "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10);",
    "ALTER TABLE orders ALTER COLUMN body TYPE varchar(50);",
    "ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,3);",
    "ALTER TABLE orders ALTER COLUMN amount TYPE numeric(8,2);",
    "ALTER TABLE orders ALTER COLUMN id TYPE bigint;",
    "ALTER TABLE orders ALTER COLUMN code TYPE text;",
    "ALTER TABLE orders ALTER COLUMN note TYPE varchar(40) USING note::varchar(40);",
])
def test_rewriting_changes_are_errors(tmp_path: Path, alter: str) -> None:
    hits = _with_schema(tmp_path, alter)
    assert [h.severity for h in hits] == ["error"]


def test_unknown_old_type_widening_target_is_a_warning() -> None:
    hits = findings("ALTER TABLE orders ALTER COLUMN note TYPE text;", RULE)
    assert [h.severity for h in hits] == ["warning"]


def test_timestamp_to_timestamptz_depends_on_timezone(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_text("CREATE TABLE e (at timestamp);")
    (tmp_path / "002.sql").write_text("ALTER TABLE e ALTER COLUMN at TYPE timestamptz;")
    hits = [f for f in lint_paths([str(tmp_path)]).findings if f.rule == RULE]
    assert [h.severity for h in hits] == ["warning"] and "UTC" in hits[0].message
