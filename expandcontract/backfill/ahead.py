"""Claim the next key range while the current batch runs.

Finding where a range ends is an index scan over its keys (about 5 % of a batch's time). A
worker whose batch will finish its range claims the next one meanwhile, on a second
connection, so the scan overlaps the batch's UPDATE instead of following it. The range is
claimed exactly as it would be afterwards (under the job row's lock, leased to this worker
with its main session's pid), so the exactly-once argument does not change: a range claimed
ahead and never used is taken over like any other whose owner is gone.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import psycopg

T = TypeVar("T")


class ClaimAhead(Generic[T]):
    """At most one claim in flight, on a helper connection opened on first use."""

    def __init__(self, connect: Callable[[], psycopg.Connection]) -> None:
        self._connect = connect
        self._conn: psycopg.Connection | None = None
        self._thread: threading.Thread | None = None
        self._value: T | None = None
        self._error: BaseException | None = None

    def start(self, claim: Callable[[psycopg.Connection], T | None]) -> None:
        if self._thread is not None:
            return

        def run() -> None:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = self._connect()
                self._value = claim(self._conn)
            except BaseException as exc:  # raised on the worker's thread by result()
                self._error = exc

        self._thread = threading.Thread(target=run, name="ec-backfill-ahead", daemon=True)
        self._thread.start()

    def result(self) -> T | None:
        """The range claimed ahead (None when none was started or none was left)."""
        if self._thread is None:
            return None
        self._thread.join()
        self._thread = None
        value, error, self._value, self._error = self._value, self._error, None, None
        if error is not None:
            raise error
        return value

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
