"""Logical replication slots: WAL a consumer has not confirmed yet (retained on the primary).

A backfill writes a lot of WAL; a logical consumer that falls behind keeps all of it on the
primary's disk. Above ``max_bytes`` of unconfirmed WAL on any logical slot, the backfill waits.
"""

from __future__ import annotations

import psycopg

from .base import Verdict, ok, one_line, throttle, unknown


class SlotLag:
    name = "slot-lag"

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            rows = primary.execute(
                "SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(),"
                " coalesce(confirmed_flush_lsn, restart_lsn))::bigint"
                " FROM pg_replication_slots WHERE slot_type = 'logical'"
            ).fetchall()
        except psycopg.Error as exc:
            return unknown(f"cannot read pg_replication_slots: {one_line(exc)}")
        for name, active, lag in rows:
            if lag is not None and lag > self.max_bytes:
                state = "active" if active else "inactive"
                return throttle(
                    f"logical slot {name} ({state}) is {lag // (1 << 20)} MB behind"
                    f" (limit {self.max_bytes // (1 << 20)} MB)"
                )
        return ok()

    def close(self) -> None:
        pass
