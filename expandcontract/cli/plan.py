"""ec plan: show how a migration will run, phase by phase, with the locks each step takes."""

from __future__ import annotations

from pathlib import Path

import click

from ..db import connect
from ..planning.planner import build_plan
from ..planning.render import render_text
from ..planning.sources import load_any
from .common import dsn_option, format_option, get_dsn, print_json, stdout_console


@click.command("plan")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@dsn_option(required=False)
@format_option("text", "json")
def plan_command(file: Path, dsn: str | None, fmt: str) -> None:
    """Show the expand, backfill and contract phases of FILE (.yaml, .json or .sql)."""
    migration = load_any(file)
    dsn = get_dsn(dsn, required=False)
    if dsn:
        from ..catalog import Catalog

        with connect(dsn) as conn:
            plan = build_plan(migration, Catalog(conn), pg_version=conn.info.server_version // 10000)
    else:
        plan = build_plan(migration)
    if fmt == "json":
        print_json(plan.to_json())
    else:
        render_text(plan, stdout_console())


COMMANDS = [plan_command]
