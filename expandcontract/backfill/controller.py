"""Any one signal throttles: the controller asks every signal and keeps the answer briefly.

Workers ask before every batch. Answers are cached for ``max_age`` seconds so that N workers
do not query every replica N times, yet a batch never starts on a verdict older than that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg

from .signals.base import Signal, Status, Verdict, one_line


@dataclass(frozen=True)
class Decision:
    state: str  # "running", "throttled" or "paused"
    reasons: tuple[str, ...] = ()
    lag_seconds: float | None = None

    @property
    def go(self) -> bool:
        return self.state == "running"

    @property
    def reason(self) -> str | None:
        return "; ".join(self.reasons) or None


class Controller:
    def __init__(
        self, connect: Callable[[], psycopg.Connection], signals: Sequence[Signal],
        *, max_age: float = 0.1,
    ) -> None:
        self._connect = connect
        self.signals = list(signals)
        self.max_age = max_age
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._last: Decision | None = None
        self._at = 0.0

    def decide(self) -> Decision:
        with self._lock:
            now = time.monotonic()
            if self._last is not None and now - self._at < self.max_age:
                return self._last
            self._last = self._evaluate()
            self._at = time.monotonic()
            return self._last

    @property
    def last(self) -> Decision | None:
        return self._last

    def _evaluate(self) -> Decision:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
        except Exception as exc:  # the primary itself: nothing can be read, so nothing is written
            self._conn = None
            return Decision("throttled", (f"primary unreachable: {one_line(exc)}",))
        verdicts: list[tuple[Signal, Verdict]] = []
        for signal in self.signals:
            try:
                verdicts.append((signal, signal.check(self._conn)))
            except Exception as exc:  # a signal bug must not let writes through
                verdicts.append((signal, Verdict(Status.UNKNOWN, f"{signal.name}: {one_line(exc)}")))
        lags = [v.lag_seconds for _, v in verdicts if v.lag_seconds is not None]
        lag = max(lags) if lags else None
        paused = [v.reason for s, v in verdicts if not v.ok and s.name == "pause"]
        if paused:
            return Decision("paused", tuple(paused), lag)
        reasons = [
            v.reason if v.status is Status.THROTTLE else f"unknown: {v.reason}"
            for _, v in verdicts if not v.ok
        ]
        return Decision("throttled" if reasons else "running", tuple(reasons), lag)

    def close(self) -> None:
        for signal in self.signals:
            signal.close()
        if self._conn is not None:
            self._conn.close()
