"""``ec pause NAME`` from any host: a row in the state tables that every worker reads."""

from __future__ import annotations

import psycopg

from ..state import PAUSE
from .base import Verdict, ok, one_line, throttle, unknown


class PauseFlag:
    name = "pause"

    def __init__(self, migration: str) -> None:
        self.migration = migration

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            row = primary.execute(
                f"SELECT paused_by, hostname, to_char(paused_at, 'YYYY-MM-DD HH24:MI:SS TZ'), reason"
                f" FROM {PAUSE} WHERE migration = %s",
                (self.migration,),
            ).fetchone()
        except psycopg.Error as exc:
            return unknown(f"cannot read the pause flag: {one_line(exc)}")
        if row is None:
            return ok()
        who, host, when, reason = row
        text = f"paused by {who}" + (f"@{host}" if host else "") + f" at {when}"
        return throttle(text + (f" ({reason})" if reason else "") + "; run `ec resume` to continue")

    def close(self) -> None:
        pass
