"""``backfill_report``: what ``ec status`` shows about a migration's backfills, from any host.

Live figures are written to the job row every second by the processes running it; a row not
refreshed for ``STALE_SECONDS`` means no process is running the job, so it reads "pending".
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from .state import JOBS, RANGES, state_exists

STALE_SECONDS = 10.0


def backfill_report(conn: psycopg.Connection, migration_name: str) -> list[dict[str, Any]]:
    """One dict per backfill of the migration (keys as agreed in the interfaces)."""
    planned, round_ = _planned(conn, migration_name)
    rows: dict[int, dict[str, Any]] = {}
    if state_exists(conn):
        with conn.cursor(row_factory=dict_row) as cur:
            found = cur.execute(
                f"""
                SELECT j.idx, j.table_name, j.status, j.state, j.throttle_reason,
                       coalesce(sum(r.rows_scanned), 0)::bigint AS rows_done,
                       coalesce(sum(r.rows_updated), 0)::bigint AS rows_updated,
                       coalesce(j.rows_total_est, 0) AS rows_total_est, j.rows_per_second,
                       j.eta_seconds, j.batch_size, j.lag_seconds, j.verified,
                       j.verify_differences, j.updated_at,
                       extract(epoch FROM now() - j.updated_at)::float8 AS age
                FROM {JOBS} j LEFT JOIN {RANGES} r ON r.migration = j.migration AND r.idx = j.idx
                WHERE j.migration = %s AND (%s::integer IS NULL OR coalesce(j.expand_round, 1) = %s)
                GROUP BY j.migration, j.idx ORDER BY j.idx
                """,
                (migration_name, round_, round_),
            ).fetchall()
        for job in found:
            rows[job["idx"]] = _row(job)
    for index, table in planned.items():
        rows.setdefault(index, _pending(index, table))
    return [rows[i] for i in sorted(rows)]


def _row(job: dict[str, Any]) -> dict[str, Any]:
    done = job["status"] == "done"
    live = job["state"] in ("running", "throttled", "paused") and (job["age"] or 0) < STALE_SECONDS
    state = "done" if done else (job["state"] if live else "pending")
    total = max(int(job["rows_total_est"]), int(job["rows_done"]))
    percent = 100.0 if done else (min(99.9, 100.0 * job["rows_done"] / total) if total else 0.0)
    return {
        "index": job["idx"],
        "table": job["table_name"],
        "state": state,
        "rows_done": int(job["rows_done"]),
        "rows_updated": int(job["rows_updated"]),
        "rows_total_est": total,
        "percent": round(percent, 1),
        "rows_per_second": job["rows_per_second"] if live else None,
        "eta_seconds": (0.0 if done else job["eta_seconds"] if live else None),
        "batch_size": job["batch_size"],
        "lag_seconds": job["lag_seconds"] if live else None,
        "throttle_reason": job["throttle_reason"] if live and state != "running" else None,
        "verified": job["verified"],
        "verify_differences": job["verify_differences"],
        "updated_at": job["updated_at"],
    }


def _pending(index: int, table: str) -> dict[str, Any]:
    return {
        "index": index, "table": table, "state": "pending", "rows_done": 0, "rows_updated": 0,
        "rows_total_est": None, "percent": 0.0, "rows_per_second": None, "eta_seconds": None,
        "batch_size": None, "lag_seconds": None, "throttle_reason": None, "verified": None,
        "verify_differences": None, "updated_at": None,
    }


def _planned(conn: psycopg.Connection, migration_name: str) -> tuple[dict[int, str], int | None]:
    """Backfills the migration's stored plan has (to list those not started yet), and its
    expand round (jobs of earlier rounds do not count; None: unknown, every job counts)."""
    try:
        from ..execution.store import get_migration
    except ModuleNotFoundError:
        return {}, None
    record = get_migration(conn, migration_name)
    if record is None:
        return {}, None
    from .plan import backfills_of

    round_ = int(getattr(record, "round", 1) or 1)
    return {i: bf.table.display for i, bf in enumerate(backfills_of(conn, record))}, round_
