"""``--format json``: a stable shape for machines (documented in docs/lint/index.md).

{"version": 1, "files": N, "statements": N, "counts": {"error": n, "warning": n, "info": n},
 "findings": [{rule, severity, category, message, fix, file, line, column, statement}],
 "errors": [{file, line, message}]}

Keys are only ever added within version 1; one finding per line.
"""

from __future__ import annotations

from ..model import LintResult
from ._out import dumps


def render(result: LintResult) -> str:
    data = {
        "version": 1,
        "files": len(result.files),
        "statements": result.statements,
        "counts": result.counts(),
        "findings": [f.to_dict() for f in result.findings],
        "errors": [e.to_dict() for e in result.errors],
    }
    return dumps(data, pretty_depth=2) + "\n"
