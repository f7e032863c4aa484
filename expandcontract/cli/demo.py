"""ec demo: the seed example end to end on a throwaway local PostgreSQL (primary + replica)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..errors import ECError
from .common import stdout_console

SEED = "orders_customer_email"


def _examples_dir() -> Path:
    # The repository's examples (make demo runs from a checkout).
    return Path(__file__).resolve().parents[2] / "migrations_examples"


def _run(args: list[str]) -> int:
    """Run one ec command in-process, as the user would type it; return its exit code."""
    from .main import cli

    console = stdout_console()
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    console.print(f"\n[bold magenta]$ ec {shown}[/bold magenta]")
    try:
        cli.main(args=args, prog_name="ec", standalone_mode=False)
    except ECError as exc:
        console.print(f"[red]ec: error: {exc.one_line()}[/red]")
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@click.command("demo")
@click.option("--keep", is_flag=True, help="Keep the cluster running until Ctrl-C.")
def demo_command(keep: bool) -> None:
    """Run the seed example (orders.customer_email) end to end on a throwaway PostgreSQL."""
    from ..testing import throwaway_cluster
    from .main import cli

    console = stdout_console()
    example = _examples_dir() / SEED
    migration = example / f"{SEED}.yaml"
    if not migration.exists():
        raise ECError(f"seed example not found at {migration} (run from a source checkout)")
    console.print("[bold]Starting a throwaway PostgreSQL primary and streaming replica...[/bold]")
    with throwaway_cluster(replicas=1) as cluster:
        dsn = cluster.create_database("demo")
        with cluster.connect("demo") as conn:
            conn.execute((example / "schema.sql").read_text().encode())
            rows = conn.execute("SELECT count(*) FROM orders").fetchone()[0]  # type: ignore[index]
        console.print(f"primary on port {cluster.port}, replica on port {cluster.replicas[0].port}; "
                      f"orders has {rows:,} rows")
        replica = cluster.replicas[0].dsn("demo")
        steps: list[list[str]] = [
            ["plan", str(migration), "--dsn", dsn],
            ["expand", str(migration), "--dsn", dsn],
            ["backfill", SEED, "--dsn", dsn, "--replica", replica, "--verify"],
            ["gate", SEED, "--dsn", dsn],
            ["contract", SEED, "--dsn", dsn],
            ["status", SEED, "--dsn", dsn],
        ]
        ctx = click.Context(cli)
        for args in steps:
            if cli.get_command(ctx, args[0]) is None:
                console.print(f"\n[dim]$ ec {args[0]} ... (not available in this build)[/dim]")
                continue
            code = _run(args)
            if code != 0:
                raise ECError(f"demo step 'ec {args[0]}' exited with {code}")
        with cluster.connect("demo") as conn:
            cols = [r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'orders'"
                " ORDER BY ordinal_position")]
        console.print(f"\n[bold green]Done.[/bold green] orders now has columns: {', '.join(cols)}")
        if keep:
            console.print(f"cluster kept: {cluster.url('demo')} (Ctrl-C to stop)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


COMMANDS = [demo_command]
