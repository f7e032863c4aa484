"""Pre-contract evidence: expand finished, and everything it created is still in place."""

from __future__ import annotations

from typing import Any

import psycopg

from . import store
from .precontract import Evidence, GateOptions


def evidence(conn: psycopg.Connection, record: Any, options: GateOptions) -> list[Evidence]:
    if record.phase in ("contracting", "contracted"):
        return [Evidence("expand", True, f"expand finished (migration is {record.phase})")]
    if record.phase != "expanded":
        return [Evidence("expand", False, f"expand is not complete (phase {record.phase})")]
    steps = record.steps("expand")
    entries = store.journal(conn, record.name, record.round, "expand")
    unfinished = [
        {"step": i + 1, "description": s.description}
        for i, s in enumerate(steps)
        if entries.get(i) is None or entries[i].status not in ("done", "skipped")
    ]
    if unfinished:
        return [Evidence("expand", False, f"{len(unfinished)} expand step(s) not journalled as done", unfinished)]
    # The journal says done; the guards say whether it is still true (nobody undid it by hand).
    missing: list[dict[str, Any]] = []
    for i, step in enumerate(steps):
        if step.guard:
            row = conn.execute(step.guard.encode()).fetchone()
            if not (row and row[0]):
                missing.append({"step": i + 1, "description": step.description})
    if missing:
        return [Evidence(
            "expand", False,
            f"{len(missing)} expand step(s) no longer hold in the schema (changed by hand?)",
            missing, caveats=["re-run ec expand to restore them"],
        )]
    return [Evidence("expand", True, f"expand complete: {len(steps)} step(s) done and in place")]
