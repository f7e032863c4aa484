"""``--max-active-backends N``: throttle while more client sessions than N are running a query."""

from __future__ import annotations

import psycopg

from .base import Verdict, ok, one_line, throttle, unknown

# Our own workers are active by definition; they are not the load we back off for.
APP_PREFIX = "ec-backfill"


class ActiveBackends:
    name = "active-backends"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            row = primary.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " AND application_name NOT LIKE %s",
                (APP_PREFIX + "%",),
            ).fetchone()
        except psycopg.Error as exc:
            return unknown(f"cannot count active backends: {one_line(exc)}")
        active = int(row[0]) if row else 0
        if active > self.limit:
            return throttle(f"{active} active backends > --max-active-backends {self.limit}")
        return ok()

    def close(self) -> None:
        pass
