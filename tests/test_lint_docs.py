"""Every lint rule has its docs page and a row in the rules table."""

from __future__ import annotations

from conftest import ROOT

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
