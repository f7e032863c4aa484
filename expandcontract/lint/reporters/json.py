"""``--format json``: a stable shape for machines.

{"version": 1, "files": N, "statements": N, "counts": {"error": n, "warning": n, "info": n},
 "findings": [{rule, severity, category, message, fix, file, line, column, statement}],
 "errors": [{file, line, message}]}
"""

from __future__ import annotations

import json

from ..model import LintResult


def render(result: LintResult) -> str:
    data = {
        "version": 1,
        "files": len(result.files),
        "statements": result.statements,
        "counts": result.counts(),
        "findings": [f.to_dict() for f in result.findings],
        "errors": [e.to_dict() for e in result.errors],
    }
    return json.dumps(data, indent=2) + "\n"
