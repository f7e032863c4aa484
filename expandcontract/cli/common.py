"""Options and output helpers shared by every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console

from ..dsn import ENV_VAR, resolve_dsn

F = TypeVar("F", bound=Callable[..., Any])


def dsn_option(required: bool = True) -> Callable[[F], F]:
    """--dsn URL, falling back to $EC_DATABASE_URL (never echoed with its password)."""
    help_text = f"PostgreSQL connection string (default: ${ENV_VAR})."
    return click.option("--dsn", "dsn", metavar="URL", default=None, help=help_text)


def format_option(*choices: str) -> Callable[[F], F]:
    choices = choices or ("text", "json")
    return click.option(
        "--format", "fmt", type=click.Choice(list(choices)), default="text", show_default=True,
        help="Output format; json is a documented, stable shape for machines.",
    )


def get_dsn(dsn: str | None, required: bool = True) -> str | None:
    return resolve_dsn(dsn, required=required)


def stdout_console() -> Console:
    """Coloured on a terminal, plain when piped (rich decides; NO_COLOR is honoured)."""
    return Console(highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
