"""ec lint against the corpus measured on real PostgreSQL (expandcontract/lint/corpus/measured.json).

The measurement (python -m expandcontract.lint.corpus.measure) ran each statement against a
1M-row and a 10k-row table while other sessions probed them; its verdict, never a hand-written
label, says what lint must do:

- blocked reads or writes for a time that grows with the table -> an error-level finding;
- blocked nothing -> no error-level locking or transaction finding. Breaking-change errors
  (a rename or drop breaks the running app however fast it is) are not about locks; their own
  rule tests cover them.
"""

from __future__ import annotations

import pytest

from expandcontract.lint.corpus import FAILS, GROWS, NONE, lint_entry, load_corpus, load_measured

BASE, ENTRIES = load_corpus()
BY_ID = {e.id: e for e in ENTRIES}
MEASURED = load_measured()
ROWS = MEASURED["statements"]


def _ids(verdict: str) -> list[str]:
    return [r["id"] for r in ROWS if r["verdict"] == verdict]


def test_the_measured_table_covers_the_corpus():
    assert len(ROWS) >= 60
    assert MEASURED["rows"]["big"] >= 1_000_000
    assert {r["id"] for r in ROWS} == set(BY_ID), "measured.json is stale: rerun the measurement"
    for row in ROWS:
        assert row["statement"] == BY_ID[row["id"]].statement, f"{row['id']} changed since measured"
    # the corpus really separates the two kinds, and blocking ones block on the big table
    assert len(_ids(GROWS)) >= 15 and len(_ids(NONE)) >= 15
    for row in ROWS:
        if row["verdict"] == GROWS:
            big, small = row["big"], row["small"]
            assert max(big["reads_blocked_ms"], big["writes_blocked_ms"] or 0) > max(
                small["reads_blocked_ms"], small["writes_blocked_ms"] or 0)


@pytest.mark.parametrize("entry_id", _ids(GROWS))
def test_blocking_that_grows_with_the_table_is_an_error(entry_id):
    findings = lint_entry(BY_ID[entry_id], BASE)
    errors = [f.rule for f in findings if f.severity == "error"]
    assert errors, f"{entry_id}: measured '{GROWS}', ec lint says {[(f.rule, f.severity) for f in findings]}"


@pytest.mark.parametrize("entry_id", _ids(NONE))
def test_blocking_nothing_is_no_locking_error(entry_id):
    findings = lint_entry(BY_ID[entry_id], BASE)
    wrong = [f.rule for f in findings if f.severity == "error" and f.category in ("locking", "transaction")]
    assert not wrong, f"{entry_id}: measured '{NONE}', ec lint gives locking errors {wrong}"


def test_statements_that_fail_on_a_populated_table_are_errors():
    # e.g. ADD COLUMN ... NOT NULL without a default: the deploy fails on any non-empty table
    for entry_id in _ids(FAILS):
        findings = lint_entry(BY_ID[entry_id], BASE)
        assert any(f.severity == "error" for f in findings), entry_id
