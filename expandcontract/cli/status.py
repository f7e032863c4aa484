"""ec status [NAME]: migrations, their phase, when each phase ran, backfill and gate state."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

import click
import psycopg
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..db import connect
from ..execution import store
from ..execution.precontract import GateOptions, collect_evidence
from .common import dsn_option, format_option, get_dsn, print_json, stdout_console

_STEP_PHASES = {"expanding": "expand", "expanded": "expand", "contracting": "contract",
                "contracted": "contract", "rolling_back": "rollback", "rolled_back": "rollback"}


def _backfill(conn: psycopg.Connection, name: str) -> list[dict[str, Any]] | None:
    try:
        module = importlib.import_module("expandcontract.backfill.report")
    except ModuleNotFoundError as exc:
        if exc.name in ("expandcontract.backfill.report", "expandcontract.backfill"):
            return None
        raise
    rows: list[dict[str, Any]] = module.backfill_report(conn, name)
    return rows


def _describe(conn: psycopg.Connection, record: store.MigrationRecord) -> dict[str, Any]:
    data = record.to_json()
    phase = _STEP_PHASES[record.phase]
    steps = record.plan.get(phase, [])
    entries = store.journal(conn, record.name, record.round, phase)
    data["steps"] = {
        "phase": phase,
        "total": len(steps),
        "done": sum(1 for e in entries.values() if e.status in ("done", "skipped")),
        "failed": [
            {"step": i + 1, "description": e.description, "error": e.error}
            for i, e in sorted(entries.items()) if e.status == "failed"
        ],
    }
    data["backfill"] = _backfill(conn, record.name) if record.plan.get("backfill") else []
    if record.phase in ("expanding", "expanded"):
        evidence = collect_evidence(conn, record, GateOptions())
        data["gate"] = {
            "verdict": "pass" if all(e.ok for e in evidence) else "block",
            "evidence": [e.to_json() for e in evidence],
        }
    else:
        data["gate"] = None
    return data


def _iso(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in item.items()}


def _when(value: datetime | None) -> str:
    """Full ISO 8601 with the UTC offset: unambiguous in logs read from another time zone."""
    return value.isoformat(timespec="seconds") if value else "-"


def _seconds(value: float) -> str:
    value = int(round(value))
    if value < 60:
        return f"{value}s"
    if value < 3600:
        return f"{value // 60}m{value % 60:02d}s"
    return f"{value // 3600}h{value % 3600 // 60:02d}m"


def backfill_line(bf: dict[str, Any]) -> str:
    """One backfill: state, rows done/total, percent, rate, ETA, throttle reason, verification."""
    total = bf.get("rows_total_est")
    rows = f"{bf.get('rows_done', 0)}/{total if total is not None else '?'} rows"
    parts = [f"#{bf.get('index')} {bf.get('table')}: {bf.get('state')}", rows]
    pct = bf.get("percent")
    if isinstance(pct, (int, float)) and total is not None:
        parts[-1] += f" ({pct:.1f}%)"
    rate = bf.get("rows_per_second")
    if isinstance(rate, (int, float)):
        parts.append(f"{rate:,.0f} rows/s")
    eta = bf.get("eta_seconds")
    if isinstance(eta, (int, float)) and bf.get("state") != "done":
        parts.append(f"ETA {_seconds(eta)}")
    if bf.get("throttle_reason"):
        parts.append(f"{bf.get('state')}: {bf['throttle_reason']}")
    if bf.get("verified") is not None:
        parts.append("verified" if bf["verified"] else f"verify found {bf.get('verify_differences')} difference(s)")
    return ", ".join(parts)


def _steps_text(steps: dict[str, Any]) -> str:
    return f"{steps['phase']} {steps['done']}/{steps['total']} done"


_TABLE_MIN_WIDTH = 130


def _render(console: Console, items: list[dict[str, Any]]) -> None:
    if not items:
        console.print("no migrations in this database yet")
        return
    # The table needs room for full timestamps; a narrow terminal gets the aligned blocks.
    if console.is_terminal and console.width >= _TABLE_MIN_WIDTH:
        _render_table(console, items)
    else:
        _render_plain(console, items)


def _render_table(console: Console, items: list[dict[str, Any]]) -> None:
    """On a terminal: a table whose cells fold instead of being cut off, then the details."""
    table = Table(title="migrations", show_lines=False)
    table.add_column("name", overflow="fold")
    table.add_column("phase", no_wrap=True)
    table.add_column("steps", overflow="fold")
    for col in ("expanded", "contracted", "rolled back"):
        table.add_column(col, overflow="fold")
    table.add_column("gate", no_wrap=True)
    for item in items:
        gate = item["gate"]
        table.add_row(
            escape(item["name"]), item["phase"], _steps_text(item["steps"]),
            _when(item["expanded_at"]), _when(item["contracted_at"]), _when(item["rolled_back_at"]),
            "-" if gate is None else ("[green]pass[/]" if gate["verdict"] == "pass" else "[red]block[/]"),
        )
    console.print(table)
    for item in items:
        name = escape(item["name"])
        for failed in item["steps"]["failed"]:
            console.print(f"[red]{name}: step {failed['step']} failed:[/] {escape(str(failed['error']))}")
        for bf in item["backfill"] or []:
            console.print(f"{name}: backfill {escape(backfill_line(bf))}")
        for e in (item["gate"] or {}).get("evidence", []):
            if e["verdict"] == "block":
                console.print(f"{name}: gate blocked by {escape(e['source'])}: {escape(e['summary'])}")


_PHASE_TIMES = (
    ("expand", "expand_started_at", "expanded_at"),
    ("contract", "contract_started_at", "contracted_at"),
    ("rollback", "rollback_started_at", "rolled_back_at"),
)


def _render_plain(console: Console, items: list[dict[str, Any]]) -> None:
    """Piped (CI logs, less, grep): one block per migration, labels aligned, nothing cut off."""
    for n, item in enumerate(items):
        if n:
            console.print()
        rows: list[tuple[str, str]] = [
            ("phase", f"{item['phase']} (round {item['round']})"),
            ("steps", _steps_text(item["steps"])),
        ]
        for failed in item["steps"]["failed"]:
            rows.append(("failed", f"step {failed['step']} ({failed['description']}): {failed['error']}"))
        for label, started, finished in _PHASE_TIMES:
            if item[started] or item[finished]:
                rows.append((label, f"started {_when(item[started])}, finished {_when(item[finished])}"))
        for bf in item["backfill"] or []:
            rows.append(("backfill", backfill_line(bf)))
        gate = item["gate"]
        if gate is not None:
            evidence = gate["evidence"]
            passing = [e["source"] for e in evidence if e["verdict"] == "pass"]
            rows.append(("gate", gate["verdict"] + (f" (passing: {', '.join(passing)})" if passing else "")))
            for e in evidence:
                if e["verdict"] == "block":
                    rows.append(("", f"blocked by {e['source']}: {e['summary']}"))
        console.print(escape(item["name"]), highlight=False)
        width = max(len(label) for label, _ in rows)
        for label, text in rows:
            console.print(f"  {label:<{width}}  {escape(text)}", highlight=False)


@click.command("status")
@click.argument("name", required=False)
@dsn_option()
@format_option("text", "json")
def status_command(name: str | None, dsn: str | None, fmt: str) -> None:
    """List migrations with their phase, when each phase ran, backfill progress and gate verdict."""
    with connect(get_dsn(dsn) or "") as conn:
        if name is not None:
            records = [store.require_migration(conn, name, hint="")]
        else:
            records = store.list_migrations(conn)
        items = [_describe(conn, r) for r in records]
    if fmt == "json":
        print_json({"migrations": [_iso(item) for item in items]})
    else:
        _render(stdout_console(), items)


COMMANDS = [status_command]
