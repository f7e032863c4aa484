"""``--format json``: a stable shape for machines (documented in docs/lint/index.md).

{"version": 1, "files": N, "statements": N, "counts": {"error": n, "warning": n, "info": n},
 "findings": [{rule, severity, category, message, fix, file, line, column, statement}],
 "errors": [{file, line, message}]}

Keys are only ever added within version 1; one finding per line. With ``--trace`` the same
document has a ``trace`` key (docs/lint/trace.md).
"""

from __future__ import annotations

from typing import Any

from ..model import LintResult
from ._out import dumps


def to_data(result: LintResult) -> dict[str, Any]:
    return {
        "version": 1,
        "files": len(result.files),
        "statements": result.statements,
        "counts": result.counts(),
        "findings": [f.to_dict() for f in result.findings],
        "errors": [e.to_dict() for e in result.errors],
    }


def render(result: LintResult, extra: dict[str, Any] | None = None) -> str:
    """``extra``: more top-level keys (``ec lint --trace`` adds ``trace``)."""
    return dumps({**to_data(result), **(extra or {})}, pretty_depth=2) + "\n"
