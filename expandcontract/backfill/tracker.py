"""In-process progress counters shared by the workers of one job (thread-safe)."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

RATE_WINDOW = 10.0  # seconds of recent batches the rows/s figure is taken over


@dataclass
class Tracker:
    migration: str
    index: int
    table: str
    rows_total_est: int
    rows_done: int = 0  # keys covered, all processes (refreshed from the state tables)
    rows_updated: int = 0
    batch_size: int = 0
    state: str = "running"
    throttle_reason: str | None = None
    lag_seconds: float | None = None
    batches: int = 0
    lock_timeouts: int = 0
    throttled_seconds: float = 0.0
    done: bool = False
    _recent: deque[tuple[float, int]] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    started: float = field(default_factory=time.monotonic)

    def batch(self, scanned: int, updated: int) -> None:
        with self._lock:
            now = time.monotonic()
            self.rows_done += scanned
            self.rows_updated += updated
            self.batches += 1
            self._recent.append((now, scanned))

    def lock_timeout(self) -> None:
        with self._lock:
            self.lock_timeouts += 1

    def refresh(self, rows_done: int, rows_updated: int) -> None:
        """Totals from the state tables (includes other processes' work)."""
        with self._lock:
            self.rows_done = max(self.rows_done, rows_done)
            self.rows_updated = max(self.rows_updated, rows_updated)

    def rows_per_second(self) -> float | None:
        with self._lock:
            now = time.monotonic()
            while self._recent and now - self._recent[0][0] > RATE_WINDOW:
                self._recent.popleft()
            if not self._recent:
                return None
            span = max(now - self._recent[0][0], min(RATE_WINDOW, now - self.started), 1e-3)
            return sum(n for _, n in self._recent) / span

    def snapshot(self) -> dict[str, Any]:
        rate = self.rows_per_second()
        total = max(self.rows_total_est, self.rows_done)
        if self.done:
            percent = 100.0
        else:
            percent = min(99.9, 100.0 * self.rows_done / total) if total else 0.0
        remaining = max(total - self.rows_done, 0)
        eta = remaining / rate if rate and not self.done else (0.0 if self.done else None)
        return {
            "migration": self.migration,
            "index": self.index,
            "table": self.table,
            "state": "done" if self.done else self.state,
            "throttle_reason": None if self.done else self.throttle_reason,
            "rows_done": self.rows_done,
            "rows_updated": self.rows_updated,
            "rows_total_est": total,
            "percent": round(percent, 1),
            "rows_per_second": round(rate, 1) if rate is not None else None,
            "eta_seconds": round(eta, 1) if eta is not None else None,
            "batch_size": self.batch_size,
            "lag_seconds": round(self.lag_seconds, 3) if self.lag_seconds is not None else None,
            "batches": self.batches,
            "lock_timeouts": self.lock_timeouts,
        }
