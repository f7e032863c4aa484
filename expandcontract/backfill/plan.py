"""A migration's backfills, as its stored plan has them (computed before expand)."""

from __future__ import annotations

from typing import Any

import psycopg

from ..planning.steps import Backfill
from .job import Job


def backfills_of(conn: psycopg.Connection, record: Any) -> list[Backfill]:
    """The stored plan's backfills; re-planned from the stored document for older records."""
    plan = getattr(record, "plan", None)
    if isinstance(plan, dict) and "backfill" in plan:
        return list(record.backfills())
    from ..catalog import Catalog
    from ..errors import InputError
    from ..planning.planner import build_plan

    migration = record.migration()
    try:
        return build_plan(migration, Catalog(conn)).backfill
    except InputError:  # the catalog is already expanded: plan without it
        return build_plan(migration).backfill


def jobs_of(conn: psycopg.Connection, record: Any) -> list[Job]:
    round_ = int(getattr(record, "round", 1) or 1)
    return [Job(record.name, i, bf, round_) for i, bf in enumerate(backfills_of(conn, record))]
