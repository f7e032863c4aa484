"""ec rollback NAME: undo expand (only before contract), keeping all data in the original columns."""

from __future__ import annotations

import click

from ..execution.phases import Outcome, rollback
from ._exec import Reports, exec_options, make_options, run_command
from .common import dsn_option, format_option, get_dsn


@click.command("rollback")
@click.argument("name")
@dsn_option()
@exec_options
@format_option("text", "json")
def rollback_command(name: str, dsn: str | None, lock_timeout: float, statement_timeout: float,
                     retry_deadline: float, fmt: str) -> None:
    """Return the schema to its state before expand of NAME (refused after contract)."""

    def run(reports: Reports) -> Outcome:
        options = make_options(lock_timeout, statement_timeout, retry_deadline)
        return rollback(get_dsn(dsn) or "", name, options, reports.step)

    run_command(fmt, "rollback", name, dsn, run)


COMMANDS = [rollback_command]
