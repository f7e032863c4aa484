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
from ..errors import InputError
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
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _render(console: Console, items: list[dict[str, Any]]) -> None:
    if not items:
        console.print("no migrations in this database yet")
        return
    table = Table(title="migrations", show_lines=False)
    for col in ("name", "phase", "steps", "expanded", "contracted", "rolled back", "gate"):
        table.add_column(col)
    for item in items:
        steps = item["steps"]
        gate = item["gate"]
        table.add_row(
            escape(item["name"]), item["phase"],
            f"{steps['phase']} {steps['done']}/{steps['total']}",
            _when(item["expanded_at"]), _when(item["contracted_at"]), _when(item["rolled_back_at"]),
            "-" if gate is None else ("[green]pass[/]" if gate["verdict"] == "pass" else "[red]block[/]"),
        )
    console.print(table)
    for item in items:
        for failed in item["steps"]["failed"]:
            console.print(f"[red]{escape(item['name'])}: step {failed['step']} failed:[/] {escape(str(failed['error']))}")
        for bf in item["backfill"] or []:
            pct = bf.get("percent")
            console.print(
                f"{escape(item['name'])}: backfill {bf.get('index')} {escape(str(bf.get('table')))}: "
                f"{bf.get('state')} {bf.get('rows_done')}/{bf.get('rows_total_est')}"
                + (f" ({pct:.0f}%)" if isinstance(pct, (int, float)) else "")
                + (f" throttled: {escape(str(bf['throttle_reason']))}" if bf.get("throttle_reason") else "")
            )
        if item["gate"] and item["gate"]["verdict"] == "block":
            for e in item["gate"]["evidence"]:
                if e["verdict"] == "block":
                    console.print(f"{escape(item['name'])}: gate blocked by {escape(e['source'])}: {escape(e['summary'])}")


@click.command("status")
@click.argument("name", required=False)
@dsn_option()
@format_option("text", "json")
def status_command(name: str | None, dsn: str | None, fmt: str) -> None:
    """List migrations with their phase, when each phase ran, backfill progress and gate verdict."""
    with connect(get_dsn(dsn) or "") as conn:
        if name is not None:
            record = store.get_migration(conn, name)
            if record is None:
                raise InputError(f"unknown migration {name!r}: it has never been expanded in this database")
            records = [record]
        else:
            records = store.list_migrations(conn)
        items = [_describe(conn, r) for r in records]
    if fmt == "json":
        print_json({"migrations": [_iso(item) for item in items]})
    else:
        _render(stdout_console(), items)


COMMANDS = [status_command]
