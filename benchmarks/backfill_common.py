"""Shared pieces of the backfill benchmarks (no ``main``: run_all skips this module)."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from expandcontract.execution import store
from expandcontract.execution.stepcodec import backfill_to_json
from expandcontract.planning.steps import Backfill, TableRef

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
BACKFILL_HEADER = "## Backfill"


def backfill_of(table: str) -> Backfill:
    return Backfill(TableRef(table), (("b", "a * 2"),), f"fill {table}.b from a")


def make_table(conn: psycopg.Connection, table: str, rows: int, *, all_visible: bool = False) -> None:
    """(id bigint PK, a int, b int NULL): every row to do; vacuumed, analyzed, no autovacuum.

    ``all_visible``: insist that VACUUM set the visibility map of every page (a standby with
    hot_standby_feedback may hold it back, so the lag benchmark does not ask)."""
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    # Autovacuum off: a vacuum of one contender's dead rows must not run during the other's turn.
    conn.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, a int NOT NULL, b int)"
                 " WITH (autovacuum_enabled = false)")
    conn.execute(f"INSERT INTO {table} (id, a) SELECT g, g % 100000 FROM generate_series(1, {rows}) g")
    # A table as it is when a backfill starts on it: vacuumed, every page all-visible. With
    # synchronous_commit off (the throwaway cluster) VACUUM cannot set the hint bits, and so
    # the visibility map, of rows whose commit is not flushed yet: flush it first.
    conn.execute("CHECKPOINT")
    conn.execute(f"VACUUM ANALYZE {table}")
    conn.execute("CHECKPOINT")
    if all_visible:
        row = conn.execute(f"SELECT relpages, relallvisible FROM pg_class WHERE oid = '{table}'::regclass").fetchone()
        assert row is not None and row[0] == row[1], f"{table}: visibility map not set after VACUUM: {row}"


def register(conn: psycopg.Connection, name: str, table: str) -> None:
    """A migration record as `ec expand` leaves it, whose plan has one backfill of ``table``."""
    store.ensure_state(conn)
    conn.execute(f"DELETE FROM {store.S}.migrations WHERE name = %s", (name,))
    store.create_migration(conn, name, {"name": name, "operations": []}, None,
                           {"backfill": [backfill_to_json(backfill_of(table))]})
    store.set_phase(conn, name, "expanded")


def run_ec_backfill(dsn: str, name: str, *extra: str) -> dict[str, Any]:
    """Run the real `ec backfill` as a process; wall time, peak RSS (from wait4), its JSON lines."""
    env = {**os.environ, "NO_COLOR": "1"}
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "expandcontract.cli.main", "backfill", name, "--dsn", dsn,
         "--format", "json", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()  # stderr stays small (errors only), so this cannot deadlock
    err = proc.stderr.read()
    # wait4 reaps this very child and gives its own peak RSS (ru_maxrss, KiB on Linux).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"ec backfill failed ({proc.returncode}): {err.strip()}")
    lines = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
    return {"wall_s": wall, "lines": lines, "peak_rss_mb": usage.ru_maxrss / 1024}


def end_line(result: dict[str, Any], rows: int) -> dict[str, Any]:
    """The `end` line of a run_ec_backfill result, after checking it updated every row."""
    end = [ln for ln in result["lines"] if ln["event"] == "end"][-1]
    assert end["rows_updated"] == rows, end
    return end


def engine_seconds(conn: psycopg.Connection, name: str) -> float:
    """First batch start to last batch commit, from the state tables' batch log."""
    row = conn.execute(
        "SELECT extract(epoch FROM max(committed_at) - min(started_at))::float8"
        " FROM expandcontract.backfill_batches WHERE migration = %s", (name,)
    ).fetchone()
    assert row is not None
    return float(row[0])


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def write_results(name: str, data: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")


def publish(name: str, data: dict[str, Any], section: str) -> None:
    """Raw numbers to results/<name>.json; the summary to <name>'s section of docs/benchmarks.md."""
    write_results(name, data)
    write_doc_section(name.replace("_", "-"), section)


def write_doc_section(key: str, section: str) -> None:
    """Replace only our marked section under "## Backfill"; re-read the file right before."""
    begin, end = f"<!-- {key}:begin -->", f"<!-- {key}:end -->"
    block = f"{begin}\n{section.strip()}\n{end}"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        if BACKFILL_HEADER not in text:
            text = text.rstrip("\n") + f"\n\n{BACKFILL_HEADER}\n\nSee docs/backfill.md for what is measured and why.\n"
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)
