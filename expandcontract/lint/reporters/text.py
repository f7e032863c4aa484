"""``--format text``: file:line:col, rule, message and fix; coloured on a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from ..model import LintResult

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_text(result: LintResult, console: Console) -> None:
    for e in result.errors:
        where = f"{e.file}:{e.line}" if e.line else e.file
        console.print(f"[bold]{escape(where)}[/]: [bold red]not linted[/]: {escape(e.message)}")
    for f in result.findings:
        console.print(f"[bold]{escape(f.file)}:{f.line}:{f.column}[/]: "
                      f"[{_STYLE[f.severity]}]{f.severity}[/] [dim]\\[{f.rule}][/] "
                      f"{escape(f.message)}")
        if f.statement:
            first = f.statement.splitlines()[0]
            more = " ..." if "\n" in f.statement or len(first) > 120 else ""
            console.print(f"    [dim]| {escape(first[:120])}{more}[/]")
        console.print(f"    [green]fix:[/] {escape(f.fix)}")
    counts = result.counts()
    summary = (f"{len(result.files)} file(s), {result.statements} statement(s): "
               f"{counts['error']} error(s), {counts['warning']} warning(s), "
               f"{counts['info']} info")
    if result.errors:
        summary += f", {len(result.errors)} file(s) not linted"
    style = "bold red" if counts["error"] or result.errors else (
        "yellow" if counts["warning"] else "green")
    console.print(f"[{style}]{summary}[/]")
