"""Every lint rule has its docs page and a row in the rules table."""

from __future__ import annotations

from conftest import ROOT

from expandcontract.lint.model import Finding, LintError, LintResult
from expandcontract.lint.reporters.json import to_data
from expandcontract.lint.rules import all_rules, rule_ids


def test_every_rule_has_a_page_and_a_table_row() -> None:
    index = (ROOT / "docs" / "lint" / "index.md").read_text()
    for rule_id in rule_ids():
        page = ROOT / "docs" / "lint" / "rules" / f"{rule_id}.md"
        assert page.is_file(), rule_id
        assert f"[{rule_id}](rules/{rule_id}.md)" in index
    for rule in all_rules():
        text = (ROOT / "docs" / "lint" / "rules" / f"{rule.id}.md").read_text()
        assert "## Problem" in text and "## Solution" in text and "```sql" in text


def test_index_links_its_pages_and_no_rule_page_is_orphaned() -> None:
    lint_docs = ROOT / "docs" / "lint"
    index = (lint_docs / "index.md").read_text()
    for page in ("corpus.md", "trace.md", "../ci.md"):
        assert f"]({page})" in index, page
        assert (lint_docs / page).is_file(), page
    pages = {p.stem for p in (lint_docs / "rules").glob("*.md")}
    assert pages == set(rule_ids())


def test_documented_json_keys_are_the_reporters_keys() -> None:
    finding = Finding(rule="r", severity="error", message="m", fix="f", file="a.sql", line=1,
                      column=1, statement="s", category="locking")
    data = to_data(LintResult(findings=[finding], files=["a.sql"], statements=1,
                              errors=[LintError("b.sql", 2, "syntax error")]))
    index = (ROOT / "docs" / "lint" / "index.md").read_text()
    section = index.split("### JSON output", 1)[1].split("###", 1)[0]
    documented = {cell.strip("`. ") for row in section.splitlines() if row.startswith("| `")
                  for cell in row.split("|")[1].split("/")}
    top = set(data) - {"findings", "errors"} | {"findings[]", "errors[]"}
    assert top | set(data["findings"][0]) | set(data["errors"][0]) == documented
