"""ec gate NAME: may contract run? The evidence, source by source (exit 0 pass, 3 blocked)."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..db import connect
from ..errors import EXIT_BLOCKED
from ..execution.precontract import Evidence, GateOptions, collect_evidence
from ._exec import DURATION
from .common import dsn_option, format_option, get_dsn, print_json, stdout_console


@click.command("gate")
@click.argument("name")
@dsn_option()
@click.option("--allow-unknown", is_flag=True,
              help="Do not block on app versions without a manifest (unknown to the registry).")
@click.option("--ttl", type=DURATION, default=None,
              help="Heartbeat TTL of app instances (default: 3 x each instance's interval).")
@format_option("text", "json")
def gate_command(name: str, dsn: str | None, allow_unknown: bool, ttl: float | None,
                 fmt: str) -> None:
    """Show whether migration NAME may be contracted now, and the evidence for it.

    Exit 0 when every source passes, 3 when any blocks.
    """
    from ..execution.store import require_migration

    options = GateOptions(allow_unknown=allow_unknown, ttl_seconds=ttl)
    with connect(get_dsn(dsn) or "") as conn:
        record = require_migration(conn, name)
        evidence = collect_evidence(conn, record, options)
    ok = all(e.ok for e in evidence)
    if fmt == "json":
        print_json({"migration": name, "phase": record.phase,
                    "verdict": "pass" if ok else "block",
                    "evidence": [e.to_json() for e in evidence]})
    else:
        render(stdout_console(), name, record.phase, evidence)
    if not ok:
        sys.exit(EXIT_BLOCKED)


def render(console: Console, name: str, phase: str, evidence: list[Evidence]) -> None:
    ok = all(e.ok for e in evidence)
    if console.is_terminal:
        table = Table(title=f"contract gate: {escape(name)} ({escape(phase)})", title_justify="left")
        table.add_column("source", no_wrap=True)
        table.add_column("verdict", no_wrap=True)
        table.add_column("why", overflow="fold")  # wrapped, never cut off
        for e in evidence:
            verdict = "[green]pass[/]" if e.ok else "[bold red]block[/]"
            table.add_row(escape(e.source), verdict, escape(e.summary))
        console.print(table)
    else:  # piped (CI logs): plain lines, nothing squeezed into 80 columns
        console.print(f"contract gate: {escape(name)} ({escape(phase)})")
        width = max((len(e.source) for e in evidence), default=0)
        for e in evidence:
            console.print(f"  {'pass ' if e.ok else 'block'}  {escape(e.source):<{width}}  {escape(e.summary)}")
    for e in evidence:
        for row in _detail_lines(e):
            console.print(f"  {escape(e.source)}: {escape(row)}")
    for e in evidence:
        for caveat in e.caveats:
            console.print(f"  [dim]note ({escape(e.source)}): {escape(caveat)}[/]")
    console.print("[green]gate: pass - contract may run[/]" if ok
                  else "[bold red]gate: blocked - contract must wait[/]")


def _detail_lines(e: Evidence) -> list[str]:
    lines = []
    for d in e.details:
        if "query" in d:
            query = " ".join(str(d["query"]).split())  # one line per statement in logs
            lines.append(f"{d['calls_since_expand']} call(s): {query}")
        elif "app" in d and "instances" in d:
            lines.append(f"{d['app']}@{d['version']}: {d['status']}, {d['instances']} instance(s) "
                         f"on {', '.join(d['hosts'])}, last seen {d['last_seen']}")
        elif "app" in d and "connections" in d:
            lines.append(f"{d['app']}@{d['version']}: {d['status']}, {d['connections']} "
                         f"connection(s) from {', '.join(d['clients'])}")
    return lines


COMMANDS = [gate_command]
