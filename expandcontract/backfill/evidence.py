"""Pre-contract evidence: every backfill of the migration is complete and verified.

Contract drops or locks down what the backfill filled (e.g. SET NOT NULL on the new column),
so it must not start while any row may still hold the old shape. Read-only.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ..execution.precontract import Evidence, GateOptions
from .plan import backfills_of
from .report import backfill_report

SOURCE = "backfill"


def evidence(conn: psycopg.Connection, record: Any, options: GateOptions) -> list[Evidence]:
    planned = backfills_of(conn, record)
    if not planned:
        return [Evidence(SOURCE, True, "this migration has no backfill")]
    report = backfill_report(conn, record.name)
    details: list[dict[str, Any]] = []
    problems: list[str] = []
    for row in report[: len(planned)]:
        name = f"#{row['index']} {row['table']}"
        details.append({k: row[k] for k in ("index", "table", "state", "rows_done", "percent",
                                            "verified", "verify_differences")})
        if row["state"] != "done":
            problems.append(f"{name} is {row['state']} ({row['percent']}% done)")
        elif row["verified"] is not True:
            diffs = row["verify_differences"]
            problems.append(
                f"{name} is complete but not verified" if diffs is None
                else f"{name}: verification found {diffs} rows still differing"
            )
    if problems:
        hint = f"run `ec backfill {record.name} --verify`"
        return [Evidence(SOURCE, False, "; ".join(problems) + f": {hint}", details)]
    return [Evidence(SOURCE, True, f"all {len(planned)} backfill(s) complete and verified (0 rows differ)",
                     details)]
