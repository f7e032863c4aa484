"""Options and output shared by expand, contract and rollback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import click
import psycopg
from rich.console import Console
from rich.markup import escape

from ..dsn import redact
from ..durations import parse_duration
from ..errors import EXIT_BAD_INPUT, EXIT_BLOCKED, EXIT_FAILED, EXIT_OK, ECError, InputError
from ..execution.executor import ExecOptions, Reporter, StepEvent
from ..execution.phases import EvidenceReport, Outcome
from ..execution.precontract import Evidence
from .common import get_dsn, print_json, stdout_console

F = TypeVar("F", bound=Callable[..., Any])


class Duration(click.ParamType):
    """500ms, 5s, 2m, 1h, 1h30m (a bare number is seconds) -> float seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(str(value), what=f"--{param.name.replace('_', '-')}" if param and param.name else "duration")
        except InputError as exc:
            self.fail(exc.message, param, ctx)


DURATION = Duration()


def exec_options(func: F) -> F:
    """--lock-timeout, --statement-timeout, --retry-deadline."""
    func = click.option(
        "--retry-deadline", type=DURATION, default="5m", show_default=True,
        help="How long a step may keep retrying after lock timeouts before giving up (exit 3).",
    )(func)
    func = click.option(
        "--statement-timeout", type=DURATION, default="1m", show_default=True,
        help="statement_timeout for steps whose lock blocks writes (0 = none). "
        "Non-blocking steps (CONCURRENTLY, VALIDATE) run without one.",
    )(func)
    func = click.option(
        "--lock-timeout", type=DURATION, default="2s", show_default=True,
        help="lock_timeout of each attempt: the longest application queries can queue behind a step.",
    )(func)
    return func


def make_options(lock_timeout: float, statement_timeout: float, retry_deadline: float) -> ExecOptions:
    if lock_timeout <= 0:
        raise InputError("--lock-timeout must be greater than 0 (0 would mean wait forever)")
    return ExecOptions(lock_timeout=lock_timeout, statement_timeout=statement_timeout,
                       retry_deadline=retry_deadline)


_MARK = {"done": "[green]✓[/]", "skipped": "[cyan]↷[/]", "already": "[dim]·[/]",
         "retry": "[yellow]…[/]", "failed": "[red]✗[/]"}
_WORD = {"done": "", "skipped": " (already in place, skipped)", "already": " (done earlier)",
         "retry": "", "failed": ""}


def step_printer(console: Console) -> Callable[[StepEvent], None]:
    def show(event: StepEvent) -> None:
        if event.status == "blocked":
            return  # the one-line error on stderr says it
        text = f"{_MARK[event.status]} {event.phase} {event.index + 1}/{event.total} "
        text += escape(event.step.description) + _WORD[event.status]
        if event.status == "done" and event.attempts > 1:
            text += f" (after {event.attempts} attempts)"
        if event.message:
            text += f": {escape(event.message)}"
        console.print(text, markup=True)

    return show


def evidence_printer(console: Console) -> EvidenceReport:
    shown: list[str] = []

    def show(evidence: list[Evidence], final: bool) -> None:
        lines = [
            f"{'[green]pass[/]' if e.ok else '[red]block[/]'} {escape(e.source)}: {escape(e.summary)}"
            for e in evidence
        ]
        key = "\n".join(lines)
        if shown and shown[-1] == key and not final:
            return  # while waiting, print the evidence only when it changes
        shown.append(key)
        for line in lines:
            console.print(line)
        for e in evidence:
            for caveat in e.caveats:
                console.print(f"  [dim]note ({escape(e.source)}): {escape(caveat)}[/]")

    return show


@dataclass
class Reports:
    """Where a run reports its steps and gate evidence; ``migration`` is set once known."""

    step: Reporter
    evidence: EvidenceReport
    migration: str | None = None


# -- --format json ----------------------------------------------------------------------------

JSON_FORMAT_VERSION = 1
_ERROR_RESULT = {EXIT_BAD_INPUT: "bad_input", EXIT_BLOCKED: "blocked", EXIT_FAILED: "failed"}


class JsonRun:
    """Collects what expand/contract/rollback did and prints it as one JSON document (the
    shape is documented in docs/commands/expand.md and stable within ``format_version``)."""

    def __init__(self, command: str, migration: str | None) -> None:
        self.command = command
        self.reports = Reports(self.step, self.evidence, migration)
        self.steps: dict[tuple[str, int], dict[str, Any]] = {}
        self.last_evidence: list[Evidence] | None = None
        self.checks = 0

    def step(self, event: StepEvent) -> None:
        if event.status == "retry":
            return  # the step's final event carries the attempt count
        failed = event.status in ("failed", "blocked")
        self.steps[(event.phase, event.index)] = {
            "phase": event.phase,
            "step": event.index + 1,
            "total": event.total,
            "description": event.step.description,
            "status": event.status,
            "attempts": event.attempts,
            "duration_seconds": None if event.seconds is None else round(event.seconds, 3),
            "error": (event.message or None) if failed else None,
        }

    def evidence(self, evidence: list[Evidence], final: bool) -> None:
        self.last_evidence = evidence
        self.checks += 1

    def emit(self, outcome: Outcome | None, exit_code: int, error: str | None,
             phase: str | None) -> None:
        if outcome is not None:
            result, phase, round_, message = outcome.result, outcome.phase, outcome.round, outcome.message
            verdict = outcome.gate
        else:
            result, round_, message = _ERROR_RESULT.get(exit_code, "failed"), None, None
            blocked = self.last_evidence and any(not e.ok for e in self.last_evidence)
            verdict = "block" if blocked else None
        gate = None
        if self.command == "contract":
            gate = {"verdict": verdict, "checks": self.checks,
                    "evidence": [e.to_json() for e in self.last_evidence or []]}
        print_json({
            "format_version": JSON_FORMAT_VERSION,
            "command": self.command,
            "migration": self.reports.migration,
            "result": result,
            "exit_code": exit_code,
            "phase": phase,
            "round": round_,
            "message": message,
            "error": redact(error) if error else None,
            "steps": [self.steps[k] for k in sorted(self.steps, key=_step_order)],
            "gate": gate,
        })


def _step_order(key: tuple[str, int]) -> tuple[int, int]:
    return (0 if key[0] == "expand" else 1, key[1])


def _phase_now(dsn: str | None, name: str | None) -> str | None:
    """The migration's phase after a failed command (best effort: None when unreachable)."""
    from ..db import connect
    from ..execution import store

    try:
        dsn = get_dsn(dsn, required=False)
        if not name or not dsn:
            return None
        with connect(dsn) as conn:
            record = store.get_migration(conn, name)
    except (psycopg.Error, ECError):
        return None
    return record.phase if record else None


def run_command(fmt: str, command: str, name: str | None, dsn: str | None,
                run: Callable[[Reports], Outcome]) -> None:
    """Run ``run(reports)`` and print what it did as text or as one JSON document.

    In JSON mode a failure prints the document too (result, exit code, the steps so far, the
    blocking evidence) and is then re-raised: stderr still gets the one-line error and the exit
    code is the same as in text mode."""
    if fmt != "json":
        console = stdout_console()
        outcome = run(Reports(step_printer(console), evidence_printer(console), name))
        console.print(outcome.message)
        return
    recorder = JsonRun(command, name)
    try:
        outcome = run(recorder.reports)
    except ECError as exc:
        phase = _phase_now(dsn, recorder.reports.migration)
        recorder.emit(None, exc.exit_code, exc.one_line(), phase)
        raise
    except psycopg.Error as exc:
        recorder.emit(None, EXIT_FAILED, "database: " + " ".join(str(exc).split()), None)
        raise
    recorder.emit(outcome, EXIT_OK, None, outcome.phase)
