"""ec expand FILE: run the expand phase of a migration (resumable, one run at a time)."""

from __future__ import annotations

from pathlib import Path

import click

from ..execution.phases import expand
from ..planning.load_yaml import _NAME_RE
from ..planning.sources import load_any
from ._exec import exec_options, make_options, step_printer
from .common import dsn_option, get_dsn, stdout_console


@click.command("expand")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--name", "name", default=None, metavar="NAME",
              help="Name of the migration in the database (default: the file's name: field, else its stem).")
@dsn_option()
@exec_options
def expand_command(file: Path, name: str | None, dsn: str | None, lock_timeout: float,
                   statement_timeout: float, retry_deadline: float) -> None:
    """Expand: add the new shape beside the old one, so both app versions keep working.

    Re-running the same migration resumes where it stopped; steps already done are skipped.
    """
    migration = load_any(file)
    if name is not None:
        if not _NAME_RE.match(name):
            from ..errors import InputError

            raise InputError(f"--name {name!r}: must be 1-100 characters of letters, digits, '_', '-', '.'")
        migration.name = name
    options = make_options(lock_timeout, statement_timeout, retry_deadline)
    console = stdout_console()
    outcome = expand(get_dsn(dsn) or "", migration, options, step_printer(console))
    console.print(outcome.message)


COMMANDS = [expand_command]
