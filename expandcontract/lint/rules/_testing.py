"""Helpers for the rule tests that live beside each rule."""

from __future__ import annotations

from ..config import LintConfig
from ..engine import lint_text
from ..model import Finding


def findings(sql: str, rule: str, *, pg_version: int = 15, phase: str | None = None,
             assume_in_transaction: bool = False) -> list[Finding]:
    config = LintConfig(pg_version=pg_version, assume_in_transaction=assume_in_transaction)
    return [f for f in lint_text(sql, "test.sql", config, phase=phase) if f.rule == rule]
