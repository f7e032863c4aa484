"""Parse human durations ("500ms", "5s", "2m", "1h", "1h30m") into seconds."""

from __future__ import annotations

import re

from .errors import InputError

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str, *, what: str = "duration") -> float:
    """Seconds in ``text``; a bare number means seconds. Raises InputError when malformed."""
    raw = text.strip().lower()
    if not raw:
        raise InputError(f"{what}: empty duration (use e.g. 500ms, 5s, 2m, 1h, 1h30m)")
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is not None:
        if value < 0 or value != value or value == float("inf"):
            raise InputError(f"{what}: {text!r} is not a valid duration")
        return value
    pos = 0
    total = 0.0
    seen: set[str] = set()
    for match in _PART.finditer(raw):
        if match.start() != pos or match.group(2) in seen:
            break
        seen.add(match.group(2))
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(raw) or not seen:
        raise InputError(
            f"{what}: {text!r} is not a valid duration (use e.g. 500ms, 5s, 2m, 1h, 1h30m)"
        )
    return total


def format_duration(seconds: float) -> str:
    """A short human form of ``seconds`` (the inverse of parse_duration, roughly)."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    if seconds < 60:
        return f"{seconds:g}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts)
