"""Vacuum running on the backfilled table (pg_stat_progress_vacuum).

By default only an anti-wraparound autovacuum throttles: it cannot be cancelled and must
finish. An ordinary vacuum is cleaning up the backfill's own dead rows, so it is left to run
alongside unless ``--throttle-on-vacuum`` asks to yield to any vacuum of the table.
"""

from __future__ import annotations

import psycopg

from ...planning.steps import TableRef
from .base import Verdict, ok, one_line, throttle, unknown


class Autovacuum:
    name = "autovacuum"

    def __init__(self, table: TableRef, any_vacuum: bool = False) -> None:
        self.table = table
        self.any_vacuum = any_vacuum

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            rows = primary.execute(
                "SELECT p.pid, p.phase, coalesce(a.query, '') FROM pg_stat_progress_vacuum p"
                " LEFT JOIN pg_stat_activity a ON a.pid = p.pid"
                " WHERE p.relid = to_regclass(%s)",
                (self.table.sql,),
            ).fetchall()
        except psycopg.Error as exc:
            return unknown(f"cannot read pg_stat_progress_vacuum: {one_line(exc)}")
        for pid, phase, query in rows:
            wraparound = "wraparound" in query
            if wraparound or self.any_vacuum:
                kind = "anti-wraparound autovacuum" if wraparound else "vacuum"
                return throttle(f"{kind} running on {self.table.display} (pid {pid}, {phase})")
        return ok()

    def close(self) -> None:
        pass
