"""``--format github``: workflow commands that GitHub Actions shows as annotations."""

from __future__ import annotations

from ..model import LintResult

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult) -> str:
    out = []
    for e in result.errors:
        out.append(f"::error file={_prop(e.file)},line={e.line or 1},title={_prop('ec lint: parse error')}"
                   f"::{_data(e.message)}")
    for f in result.findings:
        title = _prop(f"ec lint: {f.rule}")
        out.append(f"::{_LEVEL[f.severity]} file={_prop(f.file)},line={f.line},col={f.column},"
                   f"title={title}::{_data(f.message + '. Fix: ' + f.fix)}")
    return "".join(line + "\n" for line in out)
