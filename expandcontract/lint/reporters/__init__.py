"""Lint output formats, one module each; every module defines ``render(result) -> str``
(``text`` takes a ``colour`` flag). Output is plain buffered text, not rich: see _out.py."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github", "gcc")
