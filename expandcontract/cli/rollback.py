"""ec rollback NAME: undo expand (only before contract), keeping all data in the original columns."""

from __future__ import annotations

import click

from ..execution.phases import rollback
from ._exec import exec_options, make_options, step_printer
from .common import dsn_option, get_dsn, stdout_console


@click.command("rollback")
@click.argument("name")
@dsn_option()
@exec_options
def rollback_command(name: str, dsn: str | None, lock_timeout: float, statement_timeout: float,
                     retry_deadline: float) -> None:
    """Return the schema to its state before expand of NAME (refused after contract)."""
    options = make_options(lock_timeout, statement_timeout, retry_deadline)
    console = stdout_console()
    outcome = rollback(get_dsn(dsn) or "", name, options, step_printer(console))
    console.print(outcome.message)


COMMANDS = [rollback_command]
