"""The lint corpus: statements measured against real PostgreSQL tables (see measure.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

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

    The setup is shown as an earlier, committed transaction (that is how it was measured), and a
    lock_timeout is set first: the corpus judges what a statement blocks, not whether the file
    remembered its timeout (that rule has its own tests).
    """
    lines = ["SET lock_timeout = '2s';"]
    if entry.setup:
        lines.append("BEGIN;")
        lines.extend(f"{s};" for s in entry.setup)
        lines.append("COMMIT;")
    start = len(lines) + 1
    lines.append(f"{entry.statement};")
    return "\n".join(lines) + "\n", start
