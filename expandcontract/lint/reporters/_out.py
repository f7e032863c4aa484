"""Plain buffered output for the lint reporters: a few ANSI codes on a terminal, nothing when
piped. rich is not used here: rendering thousands of findings through it cost more than the
linting itself (docs/benchmarks.md, Lint throughput)."""

from __future__ import annotations

import json
import os
from typing import Any, TextIO

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36",
          "bold red": "1;31"}


def colour_enabled(stream: TextIO) -> bool:
    """As rich decides: NO_COLOR (non-empty) wins, FORCE_COLOR forces, else a terminal only."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Painter:
    """``paint(text, style)`` wraps text in an ANSI style, or returns it as it is."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        if not self.colour:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"


def dumps(value: Any, pretty_depth: int, _level: int = 0) -> str:
    """JSON indented by 2 down to ``pretty_depth`` levels, each deeper value on one line.

    json.dumps(indent=...) runs the pure-Python encoder; one compact (C-encoded) line per
    finding is ~5x faster on thousands of findings and still reads well.
    """
    if _level >= pretty_depth or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value)
    pad = "  " * (_level + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, pretty_depth, _level + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * _level + "}"
    items = [pad + dumps(v, pretty_depth, _level + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + "  " * _level + "]"
