"""``--format text``: file:line:col, rule, message and fix; coloured on a terminal."""

from __future__ import annotations

from typing import TextIO

from ..model import LintResult
from ._out import Painter, colour_enabled

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
SNIPPET_WIDTH = 120


def render(result: LintResult, colour: bool = False) -> str:
    paint = Painter(colour)
    out: list[str] = []
    add = out.append
    for e in result.errors:
        where = f"{e.file}:{e.line}" if e.line else e.file
        add(f"{paint(where, 'bold')}: {paint('not linted', 'bold red')}: {e.message}\n")
    for f in result.findings:
        add(f"{paint(f'{f.file}:{f.line}:{f.column}', 'bold')}: "
            f"{paint(f.severity, _STYLE[f.severity])} {paint(f'[{f.rule}]', 'dim')} {f.message}\n")
        if f.statement:
            first = f.statement.splitlines()[0]
            more = " ..." if "\n" in f.statement or len(first) > SNIPPET_WIDTH else ""
            add("    " + paint(f"| {first[:SNIPPET_WIDTH]}{more}", "dim") + "\n")
        add(f"    {paint('fix:', 'green')} {f.fix}\n")
    counts = result.counts()
    summary = (f"{len(result.files)} file(s), {result.statements} statement(s): "
               f"{counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} info")
    if result.errors:
        summary += f", {len(result.errors)} file(s) not linted"
    style = "bold red" if counts["error"] or result.errors else (
        "yellow" if counts["warning"] else "green")
    add(paint(summary, style) + "\n")
    return "".join(out)


def write_text(result: LintResult, stream: TextIO) -> None:
    """One buffered write; colour only when ``stream`` is a terminal (NO_COLOR honoured)."""
    stream.write(render(result, colour_enabled(stream)))
