"""ec alembic: split a revision onto the expand/contract branches; find a revision's file."""

from __future__ import annotations

from pathlib import Path

import click

from .common import stdout_console


@click.group("alembic")
def alembic_group() -> None:
    """Alembic projects: expand and contract as two branches (docs/alembic.md)."""


@alembic_group.command("split")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--contract-revision", default=None, metavar="ID",
              help="Revision id of the contract revision (default: a new random id).")
@click.option("--dry-run", is_flag=True, help="Print both revisions instead of writing them.")
def split_command(file: Path, contract_revision: str | None, dry_run: bool) -> None:
    """Rewrite revision FILE as an ec expand revision on the `expand` branch and write its
    contract revision on the `contract` branch (`alembic upgrade contract@head` only after
    `ec gate` passes)."""
    from ..alembic.split import split_revision, write_split

    result = split_revision(file, contract_revision)
    if dry_run:
        click.echo(f"# --- {result.expand_path}\n{result.expand_text}")
        click.echo(f"# --- {result.contract_path}\n{result.contract_text}", nl=False)
        return
    write_split(result)
    console = stdout_console()
    console.print(f"expand:   {result.expand_path} (revision rewritten in place, "
                  f"branch expand)", markup=False, highlight=False)
    console.print(f"contract: {result.contract_path} (revision {result.contract_revision}, "
                  "branch contract)", markup=False, highlight=False)
    console.print(
        f"order: alembic upgrade expand@head -> deploy -> ec backfill {result.name} --verify -> "
        f"ec gate {result.name} -> alembic upgrade contract@head", markup=False, highlight=False)


@alembic_group.command("path")
@click.argument("revision")
@click.option("-c", "--config", "config", default="alembic.ini", show_default=True,
              type=click.Path(dir_okay=False), help="The project's alembic.ini.")
def path_command(revision: str, config: str) -> None:
    """Print the file of REVISION (an id or a unique prefix): `ec plan $(ec alembic path abc)`."""
    from ..alembic.script import find_revision
    from ..lint.alembic_input import versions_directories

    click.echo(str(find_revision(versions_directories(config), revision)))


COMMANDS = [alembic_group]
