"""ec expand FILE: run the expand phase of a migration (resumable, one run at a time)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError
from ..execution.phases import Outcome, expand
from ..planning.load_yaml import _NAME_RE
from ..planning.sources import load_any
from ._exec import Reports, exec_options, make_options, run_command
from .common import dsn_option, format_option, get_dsn


@click.command("expand")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--name", "name", default=None, metavar="NAME",
              help="Name of the migration in the database (default: the file's name: field, else its stem).")
@dsn_option()
@exec_options
@format_option("text", "json")
def expand_command(file: Path, name: str | None, dsn: str | None, lock_timeout: float,
                   statement_timeout: float, retry_deadline: float, fmt: str) -> None:
    """Expand: add the new shape beside the old one, so both app versions keep working.

    Re-running the same migration resumes where it stopped; steps already done are skipped.
    """

    def run(reports: Reports) -> Outcome:
        migration = load_any(file)
        if name is not None:
            if not _NAME_RE.match(name):
                raise InputError(f"--name {name!r}: must be 1-100 characters of letters, digits, '_', '-', '.'")
            migration.name = name
        reports.migration = migration.name
        options = make_options(lock_timeout, statement_timeout, retry_deadline)
        return expand(get_dsn(dsn) or "", migration, options, reports.step)

    run_command(fmt, "expand", name, dsn, run)


COMMANDS = [expand_command]
