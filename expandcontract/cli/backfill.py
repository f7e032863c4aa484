"""ec backfill / pause / resume: fill the expanded shape in throttled, resumable batches."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import click
import psycopg

from ..db import connect
from ..durations import parse_duration
from ..errors import EXIT_INTERRUPTED, BlockedError, ECError, ExecutionError, InputError
from .common import dsn_option, format_option, get_dsn, print_json, stdout_console


class InterruptedError_(ECError):
    exit_code = EXIT_INTERRUPTED


_SIZE_UNITS = {"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}


def parse_size(text: str, what: str) -> int:
    raw = text.strip().lower().replace(" ", "")
    digits = raw.rstrip("kmgtb")
    unit = raw[len(digits):]
    try:
        value = float(digits)
    except ValueError:
        value = -1
    if value < 0 or unit not in _SIZE_UNITS:
        raise InputError(f"{what}: {text!r} is not a size (use e.g. 64MB, 1GB)")
    return int(value * _SIZE_UNITS[unit])


def _record(conn: psycopg.Connection, name: str) -> Any:
    from ..execution.store import get_migration

    record = get_migration(conn, name)
    if record is None:
        raise InputError(f"no migration named {name!r} in this database: run `ec expand FILE` first")
    return record


def _check_phase(record: Any) -> None:
    if record.phase == "expanded":
        return
    if record.phase == "expanding":
        raise BlockedError(f"migration {record.name!r} is still expanding: finish `ec expand` first")
    raise BlockedError(f"migration {record.name!r} is {record.phase}: there is nothing to backfill")


@contextlib.contextmanager
def _graceful_stop(stop: threading.Event) -> Iterator[None]:
    """First Ctrl-C (or SIGTERM): finish the batches in flight, save, exit 130. Second: now."""

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            signal.signal(signal.SIGINT, signal.default_int_handler)
            raise KeyboardInterrupt
        stop.set()
        sys.stderr.write("ec: stopping after the current batch (Ctrl-C again to abort it)\n")

    old_int = signal.signal(signal.SIGINT, handler)
    old_term = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)


@click.command("backfill")
@click.argument("name")
@dsn_option()
@click.option("--replica", "replicas", multiple=True, metavar="URL",
              help="A replica to read the heartbeat on (true lag); repeatable.")
@click.option("--max-lag", default="1s", show_default=True, help="Pause while a replica lags more.")
@click.option("--max-lag-bytes", default=None, metavar="SIZE",
              help="Also pause while a streaming replica is this much WAL behind (e.g. 256MB).")
@click.option("--max-slot-lag", default="1GB", show_default=True, metavar="SIZE",
              help="Pause while a logical slot has this much unconfirmed WAL.")
@click.option("--batch-size", default="auto", show_default=True, metavar="auto|N",
              help="Rows per batch; auto adapts to --target-batch-time.")
@click.option("--target-batch-time", default="0.5s", show_default=True)
@click.option("--throttle-query", default=None, metavar="SQL",
              help="Pause while this query returns true or a non-zero number.")
@click.option("--max-active-backends", type=click.IntRange(min=0), default=None, metavar="N",
              help="Pause while more than N other sessions are running a query.")
@click.option("--throttle-on-vacuum", is_flag=True,
              help="Pause for any vacuum of the table (default: only anti-wraparound).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker threads in this process (more processes may join from other hosts).")
@click.option("--lock-timeout", default="2s", show_default=True,
              help="Per batch; a batch that hits it is retried smaller.")
@click.option("--poll-interval", default="0.5s", show_default=True,
              help="How often a throttled backfill looks again.")
@click.option("--lease-ttl", default="60s", show_default=True,
              help="A range whose owner stopped renewing it for this long is taken over.")
@click.option("--dry-run", is_flag=True, help="Show what would run; change nothing.")
@click.option("--verify", is_flag=True,
              help="After the backfill, count rows that still differ; record the result.")
@format_option("text", "json")
def backfill_command(
    name: str, dsn: str | None, replicas: tuple[str, ...], max_lag: str, max_lag_bytes: str | None,
    max_slot_lag: str, batch_size: str, target_batch_time: str, throttle_query: str | None,
    max_active_backends: int | None, throttle_on_vacuum: bool, workers: int, lock_timeout: str,
    poll_interval: str, lease_ttl: str, dry_run: bool, verify: bool, fmt: str,
) -> None:
    """Backfill the rows of migration NAME in throttled, resumable batches."""
    from ..backfill.job import Options

    url = get_dsn(dsn)
    assert url is not None
    size: int | None = None
    if batch_size.strip().lower() != "auto":
        try:
            size = int(batch_size)
        except ValueError:
            raise InputError(f"--batch-size: {batch_size!r} is neither auto nor a number") from None
        if size < 1:
            raise InputError("--batch-size must be at least 1")
    options = Options(
        batch_size=size,
        target_batch_time=parse_duration(target_batch_time, what="--target-batch-time"),
        lock_timeout=parse_duration(lock_timeout, what="--lock-timeout"),
        workers=workers,
        poll_interval=parse_duration(poll_interval, what="--poll-interval"),
        lease_ttl=parse_duration(lease_ttl, what="--lease-ttl"),
        replicas=list(replicas),
        max_lag=parse_duration(max_lag, what="--max-lag"),
        max_lag_bytes=parse_size(max_lag_bytes, "--max-lag-bytes") if max_lag_bytes else None,
        max_slot_lag_bytes=parse_size(max_slot_lag, "--max-slot-lag"),
        throttle_query=throttle_query,
        max_active_backends=max_active_backends,
        throttle_on_vacuum=throttle_on_vacuum,
    )
    if options.target_batch_time <= 0 or options.poll_interval <= 0:
        raise InputError("--target-batch-time and --poll-interval must be greater than 0")
    with connect(url) as conn:
        record = _record(conn, name)
        from ..backfill.plan import jobs_of

        jobs = jobs_of(conn, record)
        if dry_run:
            _dry_run(conn, jobs, options, fmt)
            return
        _check_phase(record)
    json_out = fmt == "json" or not sys.stdout.isatty()
    if not jobs:
        _say(fmt, json_out, {"event": "end", "migration": name, "state": "done", "backfills": 0},
             f"migration {name} has no backfill: nothing to do")
        return
    _run_all(url, name, jobs, options, fmt, json_out, verify)


def _say(fmt: str, json_out: bool, data: dict[str, Any], text: str) -> None:
    if json_out:
        import json

        sys.stdout.write(json.dumps(data, default=str) + "\n")
        sys.stdout.flush()
    else:
        stdout_console().print(text)


def _run_all(url: str, name: str, jobs: list[Any], options: Any, fmt: str, json_out: bool,
             verify: bool) -> None:
    from ..backfill.batching import resolve_key
    from ..backfill.progress import JsonLinesView, LiveView, View
    from ..backfill.runner import Interrupted, run_backfill
    from ..backfill.verify import verify as run_verify

    def worker_connect() -> psycopg.Connection:
        return connect(url, application_name="ec-backfill")

    stop = threading.Event()
    differing: list[str] = []
    with _graceful_stop(stop):
        for job in jobs:
            view: View = JsonLinesView(options.progress_interval) if json_out else LiveView(stdout_console())
            started = time.monotonic()
            try:
                snap = run_backfill(worker_connect, job, options, stop=stop, view=view)
            except Interrupted as exc:
                raise InterruptedError_(str(exc)) from None
            if not json_out:
                stdout_console().print(
                    f"[green]done[/]: {job.label}: {snap['rows_done']:,} rows"
                    f" ({snap['rows_updated']:,} updated) in {time.monotonic() - started:.1f}s"
                )
            if verify:
                with connect(url) as conn:
                    differences = run_verify(conn, job, resolve_key(conn, job.backfill))
                _say(fmt, json_out,
                     {"event": "verify", "migration": name, "index": job.index,
                      "table": job.backfill.table.display, "differences": differences,
                      "verified": differences == 0},
                     f"verify: {job.label}: {differences:,} rows differ from `up`"
                     + (" — verified" if differences == 0 else ""))
                if differences:
                    differing.append(f"{job.label} ({differences} rows)")
    if differing:
        raise ExecutionError(
            "verification found rows that still differ: " + ", ".join(differing)
            + "; are the sync triggers in place?"
        )


def _dry_run(conn: psycopg.Connection, jobs: list[Any], options: Any, fmt: str) -> None:
    """Read-only: the key, the batch statement, rows to do, replicas seen; nothing is written."""
    from ..backfill.batching import resolve_key, update_sql
    from ..backfill.signals.replica_lag import ReplicationStats
    replicas: list[dict[str, Any]] = []
    with contextlib.suppress(psycopg.Error):
        replicas = ReplicationStats(options.max_lag).discover(conn)
    out: list[dict[str, Any]] = []
    for job in jobs:
        key = resolve_key(conn, job.backfill)
        row = conn.execute(
            f"SELECT count(*) FROM {key.table.sql} WHERE {job.backfill.todo_predicate}".encode()
        ).fetchone()
        sql, _ = update_sql(job.backfill, key, ["<cursor>"] * len(key.columns),
                            ["<batch end>"] * len(key.columns))
        for value in ("<cursor>", "<batch end>"):
            sql = sql.replace("%s", value, len(key.columns))
        sql = sql.replace("%%", "%")
        out.append({
            "index": job.index, "table": job.backfill.table.display,
            "description": job.backfill.description, "key": list(key.columns),
            "key_source": key.source, "rows_to_do": int(row[0]) if row else 0, "batch_sql": sql,
        })
    from ..dsn import redact

    given = [redact(r) for r in options.replicas]
    data = {"dry_run": True, "backfills": out, "replicas_discovered": replicas, "replicas_given": given}
    if fmt == "json":
        print_json(data)
        return
    console = stdout_console()
    console.print("[bold]dry run[/]: nothing was changed")
    for item in out:
        console.print(
            f"backfill #{item['index']} {item['table']}: {item['rows_to_do']:,} rows to do,"
            f" keyset over {', '.join(item['key'])} ({item['key_source']})"
        )
        console.print(f"  {item['batch_sql']}", markup=False)
    for url in given:
        console.print(f"replica given: {url} (heartbeat lag read there)", markup=False)
    for r in replicas:
        console.print(
            f"replica discovered: {r['application_name']} at {r['client_addr']} ({r['state']});"
            " watched through pg_stat_replication (pass --replica URL for heartbeat lag)",
            markup=False,
        )


@click.command("pause")
@click.argument("name")
@dsn_option()
@click.option("--reason", default=None, help="Shown to whoever looks at the backfill.")
@format_option("text", "json")
def pause_command(name: str, dsn: str | None, reason: str | None, fmt: str) -> None:
    """Pause NAME's backfill everywhere it runs (workers stop after their current batch)."""
    from ..backfill.state import set_pause

    url = get_dsn(dsn)
    assert url is not None
    with connect(url) as conn:
        _record(conn, name)
        set_pause(conn, name, socket.gethostname(), reason)
    if fmt == "json":
        print_json({"migration": name, "paused": True})
    else:
        stdout_console().print(f"paused the backfill of {name}; `ec resume {name}` continues it")


@click.command("resume")
@click.argument("name")
@dsn_option()
@format_option("text", "json")
def resume_command(name: str, dsn: str | None, fmt: str) -> None:
    """Clear NAME's pause flag: running backfills continue within one poll interval."""
    from ..backfill.state import clear_pause

    url = get_dsn(dsn)
    assert url is not None
    with connect(url) as conn:
        _record(conn, name)
        was = clear_pause(conn, name)
    if fmt == "json":
        print_json({"migration": name, "paused": False, "was_paused": was})
    else:
        stdout_console().print(
            f"resumed the backfill of {name}" if was else f"the backfill of {name} was not paused"
        )


COMMANDS = [backfill_command, pause_command, resume_command]
