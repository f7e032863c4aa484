"""Lint output formats, one module each; every module defines ``render(result) -> str``
except ``text``, which prints through a rich console (coloured on a terminal)."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github", "gcc")
