"""The pre-contract check hook: every source of evidence that contract may (not) run.

``ec contract`` and ``ec gate`` ask every registered provider for evidence. Providers live in
the components that know the evidence (backfill: complete and verified; gate: live app
versions, connections, pg_stat_statements) and are found by importing the modules listed in
``PROVIDER_MODULES`` -- each such module defines ``evidence(conn, migration, options)``.
A module that does not exist (a component not installed) is skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import psycopg

PROVIDER_MODULES = (
    "expandcontract.execution.expand_evidence",
    "expandcontract.backfill.evidence",
    "expandcontract.gate.evidence",
)


@dataclass(frozen=True)
class GateOptions:
    allow_unknown: bool = False  # connections tagged with a version unknown to the registry
    ttl_seconds: float | None = None  # heartbeat TTL; None: 3 x the instance's interval

    def __post_init__(self) -> None:
        if self.ttl_seconds is not None and self.ttl_seconds <= 0:
            from ..errors import InputError

            # 0 would call every running instance gone and let the registry pass.
            raise InputError("--ttl must be greater than 0")


@dataclass
class Evidence:
    """One source's verdict: pass or block, why, and the rows that support it."""

    source: str  # e.g. "registry", "pg_stat_activity", "pg_stat_statements", "backfill"
    ok: bool
    summary: str
    details: list[dict[str, Any]] = field(default_factory=list)
    # Limits of this evidence worth stating (e.g. pg_stat_statements eviction).
    caveats: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "verdict": "pass" if self.ok else "block",
            "summary": self.summary,
            "details": self.details,
            "caveats": self.caveats,
        }


Provider = Callable[[psycopg.Connection, Any, GateOptions], list[Evidence]]


def _provider_modules() -> list[ModuleType]:
    """The installed modules of ``PROVIDER_MODULES`` (a component not installed is skipped)."""
    found: list[ModuleType] = []
    for name in PROVIDER_MODULES:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise  # the module exists but something it imports does not: a real error
    return found


def providers() -> list[Provider]:
    return [module.evidence for module in _provider_modules()]


def collect_evidence(conn: psycopg.Connection, migration: Any, options: GateOptions) -> list[Evidence]:
    """All evidence for contracting ``migration`` (the state-store record of it)."""
    evidence: list[Evidence] = []
    for provider in providers():
        evidence.extend(provider(conn, migration, options))
    return evidence


def after_expand(conn: psycopg.Connection, migration: Any) -> None:
    """Call once expand has completed: providers that need a "before" snapshot take it here
    (the gate stores pg_stat_statements counters). Providers opt in by defining
    ``after_expand(conn, record)``; failures there must not fail the expand."""
    for module in _provider_modules():
        hook = getattr(module, "after_expand", None)
        if hook is not None:
            hook(conn, migration)
