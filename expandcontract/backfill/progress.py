"""Showing a running backfill: a live bar on a terminal, JSON lines every few seconds otherwise.

The JSON line is the same dictionary ``ec status`` reads from the state tables (plus ``ts``
and ``event``), so a log collector sees what an operator sees.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from typing import Any, Protocol, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text


class View(Protocol):
    def start(self) -> None: ...

    def update(self, snap: dict[str, Any]) -> None: ...

    def stop(self, snap: dict[str, Any] | None) -> None: ...


class NullView:
    def start(self) -> None:
        pass

    def update(self, snap: dict[str, Any]) -> None:
        pass

    def stop(self, snap: dict[str, Any] | None) -> None:
        pass


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "--:--"
    value = int(value)
    hours, rest = divmod(value, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def state_text(snap: dict[str, Any]) -> Text:
    state = snap["state"]
    style = {"running": "green", "done": "bold green", "paused": "yellow"}.get(state, "red")
    text = Text(state, style=style)
    if snap.get("throttle_reason") and state != "done":
        text.append(f" ({snap['throttle_reason']})", style=style)
    return text


class LiveView:
    """rich live display: bar, rows done of estimated total, %, rows/s, ETA, batch, lag, state."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._live: Live | None = None

    def _render(self, snap: dict[str, Any]) -> Group:
        total = max(int(snap["rows_total_est"]), 1)
        grid = Table.grid(padding=(0, 1))
        grid.add_row(
            Text(f"{snap['migration']}#{snap['index']} {snap['table']}", style="bold"),
            ProgressBar(total=total, completed=min(int(snap["rows_done"]), total), width=30),
            Text(f"{snap['percent']:5.1f}%"),
            Text(f"{snap['rows_done']:,} / ~{snap['rows_total_est']:,} rows"),
        )
        rate = snap.get("rows_per_second")
        lag = snap.get("lag_seconds")
        line = Text.assemble(
            f"{rate:,.0f} rows/s" if rate is not None else "-- rows/s",
            f"  ETA {fmt_seconds(snap.get('eta_seconds'))}",
            f"  batch {snap['batch_size']:,}",
            f"  lag {lag:.2f}s" if lag is not None else "  lag --",
            "  ", state_text(snap),
        )
        return Group(grid, line)

    def start(self) -> None:
        self._live = Live(console=self.console, refresh_per_second=4, transient=False)
        self._live.start()

    def update(self, snap: dict[str, Any]) -> None:
        if self._live is not None:
            self._live.update(self._render(snap))

    def stop(self, snap: dict[str, Any] | None) -> None:
        if self._live is not None:
            if snap is not None:
                self._live.update(self._render(snap))
            self._live.stop()
            self._live = None


class JsonLinesView:
    """One JSON object per line: every ``interval`` seconds and whenever the state changes."""

    def __init__(self, interval: float = 2.0, out: TextIO | None = None) -> None:
        self.interval = interval
        self.out = out or sys.stdout
        self._last = 0.0
        self._state: tuple[Any, Any] | None = None

    def _emit(self, snap: dict[str, Any], event: str) -> None:
        line = {"ts": datetime.now(timezone.utc).isoformat(), "event": event, **snap}
        self.out.write(json.dumps(line, default=str) + "\n")
        self.out.flush()

    def start(self) -> None:
        pass

    def update(self, snap: dict[str, Any]) -> None:
        now = time.monotonic()
        state = (snap["state"], snap.get("throttle_reason"))
        if state != self._state or now - self._last >= self.interval:
            self._emit(snap, "progress")
            self._last = now
            self._state = state

    def stop(self, snap: dict[str, Any] | None) -> None:
        if snap is not None:
            self._emit(snap, "end")
