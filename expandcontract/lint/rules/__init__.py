"""Every lint rule: one module per rule, each defining ``RULE``; discovered here."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from pathlib import Path

from ._base import Hit, Node, Rule

__all__ = ["Hit", "Node", "Rule", "all_rules", "rule_ids"]

# Not a module: reported by the engine itself for suppressions naming no known rule.
UNKNOWN_RULE = "unknown-rule"


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if info.name.startswith(("_", "test_")):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    ids = [r.id for r in rules]
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, f"duplicate lint rule ids: {dupes}"
    return tuple(sorted(rules, key=lambda r: r.id))


@lru_cache(maxsize=1)
def rule_ids() -> frozenset[str]:
    return frozenset(r.id for r in all_rules()) | {UNKNOWN_RULE}
