"""Batch size that follows a target batch time (pt-online-schema-change / GitLab style).

The next size is the recent throughput (an exponentially weighted average of rows/s, so one
slow batch does not halve the size and one fast one does not double it) times the target
time, grown by at most 20 % a step and clamped to [minimum, maximum].

The start is measured rather than guessed: the first batch (``initial`` rows, 1,000 by
default) is a timed probe, and the next size is its throughput times the target time (within
the clamp); the +20 % cap applies from there on. The probe's rate includes the per-batch
costs that a bigger batch spreads over more rows, so it under-estimates and the start errs
small. Starting at 1,000 rows and growing by 20 % would take some 25 batches to reach a
typical 100,000-row batch, each paying the per-batch overhead on the way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

MAX_GROWTH = 1.2
WEIGHT = 0.5  # weight of the newest batch in the throughput average


@dataclass
class BatchSizer:
    target_seconds: float = 0.5
    initial: int = 1000
    minimum: int = 100
    maximum: int = 200_000
    fixed: bool = False  # --batch-size N: keep N (shrunk only while lock timeouts happen)
    _size: float = field(init=False, default=0.0)
    probe: bool = True  # size the second batch from the first one's rate (not with fixed)
    _rate: float | None = field(init=False, default=None)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.minimum = max(1, min(self.minimum, self.initial))
        self.maximum = max(self.maximum, self.initial) if self.fixed else self.maximum
        self._size = float(self.initial)

    @property
    def size(self) -> int:
        return int(self._size)

    @property
    def rows_per_second(self) -> float | None:
        return self._rate

    def record(self, rows: int, seconds: float) -> None:
        """A batch of ``rows`` keys took ``seconds``: adapt the next size."""
        with self._lock:
            if rows <= 0 or seconds <= 0:
                return
            rate = rows / seconds
            self._rate = rate if self._rate is None else WEIGHT * rate + (1 - WEIGHT) * self._rate
            if self.fixed:
                # Recover towards N after lock-timeout shrinking, by the same capped growth.
                self._size = min(float(self.initial), self._size * MAX_GROWTH)
                return
            ideal = self._rate * self.target_seconds
            if self.probe:  # the first batch was the probe: start from what it measured
                self.probe = False
                self._size = max(float(self.minimum), min(ideal, float(self.maximum)))
                return
            self._size = max(float(self.minimum), min(ideal, self._size * MAX_GROWTH, float(self.maximum)))

    def shrink(self) -> int:
        """A batch hit the lock timeout: retry it at half the size (not below the minimum)."""
        with self._lock:
            self._size = max(float(self.minimum), self._size / 2)
            return self.size
