"""Entry point of ``ec``: the top-level group, command discovery and error handling."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, ECError

_NOT_COMMANDS = {"main", "common"}

# Command name -> the module defining it, so `ec lint` imports only cli/lint.py (and not
# psycopg, rich, the executor... of every other command): start-up is part of every CI lint
# run. Only a shortcut: a name missing here (or moved) falls back to importing every module,
# and `ec --help` always does, so a new command module needs no entry to work.
_COMMAND_MODULES = {
    "lint": "lint", "plan": "plan", "convert": "convert", "expand": "expand",
    "contract": "contract", "rollback": "rollback", "status": "status", "gate": "gate",
    "manifest": "manifest", "backfill": "backfill", "pause": "backfill", "resume": "backfill",
    "demo": "demo", "alembic": "alembic",
}


class ECGroup(click.Group):
    """Lists commands from every module of expandcontract.cli that defines ``COMMANDS``."""

    _loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
            if module.name in _NOT_COMMANDS or module.name.startswith(("_", "test_")):
                continue
            self._add_from(module.name)

    def _add_from(self, module_name: str) -> None:
        mod = importlib.import_module(f"{__package__}.{module_name}")
        for command in getattr(mod, "COMMANDS", []):
            self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if not self._loaded and cmd_name not in self.commands and cmd_name in _COMMAND_MODULES:
            self._add_from(_COMMAND_MODULES[cmd_name])
        if cmd_name not in self.commands:
            self._load()
        return super().get_command(ctx, cmd_name)


@click.group(cls=ECGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ec")
def cli() -> None:
    """ec — zero-downtime PostgreSQL schema migrations: expand, backfill, contract."""


def _fail(message: str, code: int) -> None:
    from ..dsn import redact  # imports psycopg: only on the way out with an error

    click.echo(f"ec: error: {redact(message)}", err=True)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every failure becomes one line on stderr and a distinct exit code."""
    try:
        cli.main(args=argv, prog_name="ec", standalone_mode=False)
    except ECError as exc:
        _fail(exc.one_line(), exc.exit_code)
    except click.exceptions.Abort:
        _fail("interrupted", EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)
    except click.ClickException as exc:
        _fail(" ".join(exc.format_message().split()), EXIT_BAD_INPUT)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # A psycopg error can only come from a command that imported psycopg; not importing it
        # here keeps it out of commands that never touch a database (ec lint, ec plan).
        psycopg = sys.modules.get("psycopg")
        if psycopg is not None and isinstance(exc, psycopg.Error):
            _fail("database: " + " ".join(str(exc).split()), EXIT_FAILED)
        # an ec bug: one line unless EC_DEBUG asks for the traceback
        if os.environ.get("EC_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set EC_DEBUG=1 for a traceback)", EXIT_FAILED)
    sys.exit(0)


if __name__ == "__main__":
    main()
