"""The lint corpus: statements measured against real PostgreSQL tables (see measure.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from ..model import Finding

HERE = Path(__file__).resolve().parent
STATEMENTS = HERE / "statements.yaml"
MEASURED = HERE / "measured.json"

# Verdicts, decided from the measurement alone (see measure.verdict):
GROWS = "blocks, grows with the table"  # rewrite, scan under lock, long row locks
BOUNDED = "blocks briefly"  # blocked the probes, but no longer on 1M rows than on 10k
NONE = "blocks nothing"
FAILS = "fails"  # the statement failed on the populated table


@dataclass(frozen=True)
class Entry:
    id: str
    label: str
    statement: str
    setup: list[str] = field(default_factory=list)
    teardown: list[str] = field(default_factory=list)
    transaction: bool = True
    probe: str = "items"


def load_corpus(path: Path = STATEMENTS) -> tuple[str, list[Entry]]:
    """The base schema (with a ``{rows}`` placeholder) and the entries."""
    data = yaml.safe_load(path.read_text())
    entries = [Entry(**item) for item in data["statements"]]
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)), "duplicate corpus ids"
    return str(data["base"]), entries


def load_measured(path: Path = MEASURED) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def lint_source(entry: Entry) -> tuple[str, int]:
    """The text lint sees for an entry, and the 1-based line where the statement starts.

    The setup statements come first, each on its own as it was committed before the
    measurement (a file without BEGIN runs statement by statement), and a lock_timeout is set:
    the corpus judges what a statement blocks, not whether the file remembered its timeout
    (that rule has its own tests).
    """
    lines = ["SET lock_timeout = '2s';", *(f"{s};" for s in entry.setup)]
    start = len(lines) + 1
    lines.append(f"{entry.statement};")
    return "\n".join(lines) + "\n", start


def lint_entry(entry: Entry, base: str) -> list[Finding]:
    """ec lint's findings on the entry's statement itself.

    The base schema is linted first as an earlier migration file of the same run (as
    ``ec lint migrations/`` would), so lint knows the column types (varchar(40) -> text is
    growth) without treating ``items`` as created in the entry's own file.
    """
    from ..config import LintConfig
    from ..context import SchemaModel
    from ..engine import SqlSource
    from ..engine import lint_source as lint_sql

    config = LintConfig()
    schema = SchemaModel()
    lint_sql(SqlSource("corpus/0000_base.sql", base.replace("{rows}", "1")), config, schema=schema)
    text, start = lint_source(entry)
    end = start + entry.statement.count("\n")
    findings, _ = lint_sql(SqlSource(f"corpus/{entry.id}.sql", text), config, schema=schema)
    return [f for f in findings if start <= f.line <= end]
