"""Render a Plan for people (rich text, coloured on a terminal, plain when piped)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from ..planning.steps import Lock, Step
from .planner import Plan

_LOCK_STYLE = {
    Lock.ACCESS_EXCLUSIVE: "bold red",
    Lock.EXCLUSIVE: "red",
    Lock.SHARE_ROW_EXCLUSIVE: "yellow",
    Lock.SHARE: "yellow",
    Lock.SHARE_UPDATE_EXCLUSIVE: "green",
}


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _size_note(plan: Plan, step_table: object) -> str:
    size = plan.sizes.get(step_table) if step_table is not None else None  # type: ignore[call-overload]
    if size is None:
        return ""
    rows = "rows unknown (never analyzed)" if size.est_rows is None else f"~{size.est_rows:,} rows"
    return f"  [dim]({escape(size.table)}: {rows}, {human_bytes(size.total_bytes)})[/dim]"


def _step_lines(console: Console, plan: Plan, number: int, step: Step) -> None:
    style = _LOCK_STYLE.get(step.lock, "dim")
    tx = "in transaction" if step.transactional else "outside transaction"
    console.print(
        f"  {number:>2}. {escape(step.description)}{_size_note(plan, step.table)}", highlight=False
    )
    console.print(
        f"      lock: [{style}]{step.lock.value}[/{style}]"
        + "".join(f", {lk.value} on {escape(t.shown)}" for t, lk in step.also_locks)
        + f"  ·  {tx}",
        highlight=False,
    )
    for line in step.sql.splitlines():
        console.print(Text("      " + line, style="cyan"))


def render_text(plan: Plan, console: Console) -> None:
    mig = plan.migration
    console.print(f"[bold]Migration {escape(mig.name)}[/bold]" + (f" — {escape(mig.description)}" if mig.description else ""))
    if not plan.live:
        console.print("[dim]not validated against a database (pass --dsn to check it and see table sizes)[/dim]")
    for op in plan.operations:
        console.print(f"  [{op.index}] {escape(op.summary)}", highlight=False)
        for note in op.notes:
            console.print(f"      [yellow]note:[/yellow] {escape(note)}", highlight=False)
    for note in mig.notes:
        console.print(f"  [yellow]note:[/yellow] {escape(note)}", highlight=False)

    console.print()
    console.print("[bold]Phase 1: expand[/bold]  (old and new app versions both work afterwards)")
    if not plan.expand:
        console.print("  (nothing)")
    for n, step in enumerate(plan.expand, 1):
        _step_lines(console, plan, n, step)

    console.print()
    console.print("[bold]Phase 2: backfill[/bold]  (batched, throttled, resumable)")
    if not plan.backfill:
        console.print("  (nothing)")
    for n, bf in enumerate(plan.backfill, 1):
        console.print(f"  {n:>2}. {escape(bf.description)}{_size_note(plan, bf.table)}", highlight=False)
        console.print(Text(f"      UPDATE {bf.table.sql} SET {bf.set_clause}", style="cyan"))
        console.print(Text(f"      WHERE <batch of keys> AND ({bf.todo_predicate})", style="cyan"))

    console.print()
    console.print("[bold]Phase 3: contract[/bold]  (after the gate passes)")
    reqs = plan.requirements
    if reqs:
        console.print("  requires of every live app version:")
        for req in reqs:
            console.print(f"    - {escape(req.describe())}", highlight=False)
    if not plan.contract:
        console.print("  (nothing)")
    for n, step in enumerate(plan.contract, 1):
        _step_lines(console, plan, n, step)
