"""``--throttle-query SQL``: throttle while the query returns a true or non-zero value."""

from __future__ import annotations

import psycopg

from .base import Verdict, ok, one_line, throttle, unknown


class CustomQuery:
    name = "throttle-query"

    def __init__(self, query: str, timeout_seconds: float = 5.0) -> None:
        self.query = query
        self.timeout_ms = int(timeout_seconds * 1000)

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            with primary.transaction():
                primary.execute(f"SET LOCAL statement_timeout = {self.timeout_ms}")
                row = primary.execute(self.query.encode()).fetchone()  # the user's SQL, by design
        except psycopg.Error as exc:
            return unknown(f"throttle query failed: {one_line(exc)}")
        value = row[0] if row else None
        if value in (None, False, 0) or (isinstance(value, str) and value.strip() in ("", "0", "f", "false")):
            return ok()
        return throttle(f"throttle query returned {value!r}")

    def close(self) -> None:
        pass
