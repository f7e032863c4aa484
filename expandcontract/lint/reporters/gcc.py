"""``--format gcc``: ``file:line:col: error: message [rule]`` (editors' error parsers)."""

from __future__ import annotations

from ..model import LintResult

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def render(result: LintResult) -> str:
    lines = [f"{e.file}:{e.line or 1}:1: error: {e.message} [parse-error]" for e in result.errors]
    lines += [f"{f.file}:{f.line}:{f.column}: {_LEVEL[f.severity]}: {f.message} [{f.rule}]"
              for f in result.findings]
    return "".join(line + "\n" for line in lines)
