"""Options and output shared by expand, contract and rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from ..durations import parse_duration
from ..errors import InputError
from ..execution.executor import ExecOptions, StepEvent

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
        text = f"{_MARK[event.status]} {event.phase} {event.index + 1}/{event.total} "
        text += escape(event.step.description) + _WORD[event.status]
        if event.status == "done" and event.attempts > 1:
            text += f" (after {event.attempts} attempts)"
        if event.message:
            text += f": {escape(event.message)}"
        console.print(text, markup=True)

    return show
