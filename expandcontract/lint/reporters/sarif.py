"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning (upload-sarif)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ... import __version__
from ..model import LintResult
from ..rules import all_rules
from ._out import dumps

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "https://github.com/expandcontract/expandcontract/blob/main/docs/lint/rules/{}.md"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_uri()
    return p.as_posix()


def render(result: LintResult) -> str:
    rules = list(all_rules())
    index = {r.id: i for i, r in enumerate(rules)}
    descriptors: list[dict[str, Any]] = [{
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": f"{r.summary}. Fix: {r.fix}"},
        "helpUri": DOCS.format(r.id),
        "help": {"text": r.fix},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"category": r.category, "tags": [r.category]},
    } for r in rules]
    results: list[dict[str, Any]] = []
    for f in result.findings:
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "level": _LEVEL[f.severity],
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(f.file)},
                "region": {"startLine": max(f.line, 1), "startColumn": max(f.column, 1),
                           **({"snippet": {"text": f.statement}} if f.statement else {})},
            }}],
        }
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        results.append(res)
    notifications = [{
        "level": "error",
        "message": {"text": e.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(e.file)},
            "region": {"startLine": e.line or 1},
        }}],
    } for e in result.errors]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ec lint",
                "version": __version__,
                "informationUri": "https://github.com/expandcontract/expandcontract",
                "rules": descriptors,
            }},
            "invocations": [{
                "executionSuccessful": not result.errors,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    }
    # Each result (and the tool driver) on one line; see _out.dumps.
    return dumps(log, pretty_depth=4) + "\n"
