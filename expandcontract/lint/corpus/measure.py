"""Measure every corpus statement against real PostgreSQL; write measured.json and docs/lint/corpus.md.

    python -m expandcontract.lint.corpus.measure [--rows 1000000] [--small-rows 10000] [--only ID...]

A throwaway cluster (fsync off, autovacuum off so nothing else takes locks) gets two databases
with the same schema: ``items`` with 1M rows and with 10k rows. For every statement and both
sizes: the entry's setup is committed; two probe sessions start, one reading and one writing a
random row every ~10 ms under ``lock_timeout = 20ms``; the statement runs inside a transaction
that is rolled back (a rolled-back statement blocks exactly like a committed one while it runs,
and the table is back as it was for the next statement); statements PostgreSQL refuses in a
transaction are committed and undone by the entry's teardown. Only probe attempts during the
statement count: a probe that timed out adds the part of its attempt that overlaps the
statement to the blocked time.

The verdict is the measurement's, never a label: a statement that blocked a probe on the 1M-row
table, and whose run time and blocked time there are at least 5x those on the 10k-row table,
"blocks, grows with the table".
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors as pgerrors

from ...testing import throwaway_cluster
from ..trace import LOCK_STRENGTH, filenodes, own_locks, rewritten_between
from . import BOUNDED, FAILS, GROWS, MEASURED, NONE, Entry, lint_entry, load_corpus, load_measured

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "lint" / "corpus.md"

# lock_timeout counts lock waits only, so a probe that times out was blocked by a lock, never
# by a busy CPU: the measurement is free of that noise whatever else runs on the machine.
PROBE_INTERVAL = 0.010
PROBE_LOCK_TIMEOUT_MS = 20
GROWS_FACTOR = 5.0

PROBES = {
    "items": ("SELECT a FROM items WHERE id = %s", "UPDATE items SET a = a WHERE id = %s"),
    "mv": ("SELECT flag FROM items_mv WHERE id = %s", None),
}


@dataclass
class Attempt:
    start: float
    end: float
    ok: bool
    timed_out: bool


@dataclass
class Probe:
    """One session running one query on a random row every PROBE_INTERVAL until stopped."""

    dsn: str
    query: str
    rows: int
    attempts: list[Attempt] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True, prepare_threshold=None) as conn:
            conn.execute(f"SET lock_timeout = '{PROBE_LOCK_TIMEOUT_MS}ms'")
            conn.execute("SET statement_timeout = '10s'")
            rng = random.Random(1)
            while not self._stop.is_set():
                start = time.monotonic()
                ok, timed_out = True, False
                try:
                    conn.execute(self.query, (rng.randint(1, self.rows),))
                except (pgerrors.LockNotAvailable, pgerrors.QueryCanceled):
                    ok, timed_out = False, True
                except psycopg.Error as exc:  # e.g. the object vanished after a committed DROP
                    ok = False
                    self.errors.append(" ".join(str(exc).split())[:200])
                end = time.monotonic()
                self.attempts.append(Attempt(start, end, ok, timed_out))
                self._stop.wait(max(0.0, start + PROBE_INTERVAL - time.monotonic()))


def blocked_ms(attempts: list[Attempt], t0: float, t1: float) -> tuple[float, int]:
    """Milliseconds of [t0, t1] during which the probe was blocked, and probes in the window."""
    total = 0.0
    count = 0
    for a in attempts:
        if a.end < t0 or a.start > t1:
            continue
        count += 1
        if a.timed_out:
            total += max(0.0, min(a.end, t1) - max(a.start, t0))
    return round(total * 1000, 1), count


class LockMonitor:
    """Polls pg_locks for a backend (for statements that commit on their own)."""

    def __init__(self, dsn: str, pid: int) -> None:
        self.dsn, self.pid = dsn, pid
        self.seen: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LockMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.is_set():
                for rel, mode in conn.execute(
                    "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE l.pid = %s AND l.granted AND l.locktype = 'relation' "
                    "AND c.relnamespace = 'public'::regnamespace",
                    (self.pid,),
                ).fetchall():
                    self.seen.add((rel, mode))
                self._stop.wait(0.005)


def measure_one(dsn: str, rows: int, entry: Entry) -> dict[str, Any]:
    read_q, write_q = PROBES[entry.probe]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '30s'")
        conn.execute("SET statement_timeout = '600s'")
        for stmt in entry.setup:
            conn.execute(stmt.encode())
        probes = [Probe(dsn, read_q, rows)] + ([Probe(dsn, write_q, rows)] if write_q else [])
        for p in probes:
            p.start()
        time.sleep(0.15)  # probes connected and running before the statement starts
        error: str | None = None
        locks: set[tuple[str, str]] = set()
        rewritten: list[str] = []
        try:
            if entry.transaction:
                with conn.transaction(force_rollback=True):
                    before = filenodes(conn)
                    held = own_locks(conn)
                    t0 = time.monotonic()
                    try:
                        conn.execute(entry.statement.encode())
                    finally:
                        t1 = time.monotonic()
                    locks = {(lk.target, lk.mode) for lk in own_locks(conn) - held
                             if lk.locktype == "relation" and not lk.target.startswith("pg_")}
                    rewritten = rewritten_between(before, filenodes(conn))
            else:
                before = filenodes(conn)
                pid = conn.info.backend_pid
                with LockMonitor(dsn, pid) as monitor:
                    t0 = time.monotonic()
                    try:
                        conn.execute(entry.statement.encode())
                    finally:
                        t1 = time.monotonic()
                locks = monitor.seen
                rewritten = rewritten_between(before, filenodes(conn))
        except psycopg.Error as exc:
            error = " ".join(str(exc).split())[:200]
        finally:
            for p in probes:
                p.stop()
        for stmt in entry.teardown:
            try:
                conn.execute(stmt.encode())
            except psycopg.Error:
                if error is None:  # teardown of a statement that failed may have nothing to undo
                    raise
    reads, n_reads = blocked_ms(probes[0].attempts, t0, t1)
    writes, n_writes = blocked_ms(probes[1].attempts, t0, t1) if write_q else (None, 0)
    return {
        "duration_ms": round((t1 - t0) * 1000, 1),
        "reads_blocked_ms": reads,
        "writes_blocked_ms": writes,
        "probes": n_reads + n_writes,
        "probe_errors": sorted({e for p in probes for e in p.errors})[:3],
        "locks": sorted(f"{mode}({rel})" for rel, mode in locks),
        "strongest_lock": max((m for _, m in locks), key=LOCK_STRENGTH.index, default=None),
        "rewritten": rewritten,
        "error": error,
    }


def verdict(big: dict[str, Any], small: dict[str, Any]) -> str:
    if big["error"]:
        return FAILS
    worst_big = max(big["reads_blocked_ms"], big["writes_blocked_ms"] or 0.0)
    worst_small = max(small["reads_blocked_ms"], small["writes_blocked_ms"] or 0.0)
    if worst_big == 0:
        return NONE
    # Blocked on the big table, and both the statement and the blocking took GROWS_FACTOR times
    # longer there than on the small one: the time under lock is proportional to the table.
    if (big["duration_ms"] >= GROWS_FACTOR * max(small["duration_ms"], 1.0)
            and worst_big >= GROWS_FACTOR * worst_small):
        return GROWS
    return BOUNDED


def lint_findings(entry: Entry, base: str) -> list[dict[str, str]] | None:
    """ec lint's findings on the statement (None when the lint engine is not there)."""
    try:
        findings = lint_entry(entry, base)
    except ImportError:
        return None
    return [{"rule": f.rule, "severity": f.severity, "category": f.category} for f in findings]


def build(cluster_dsn: str, base: str, rows: int) -> None:
    with psycopg.connect(cluster_dsn, autocommit=True) as conn:
        # one statement at a time: a multi-statement string is one transaction, and VACUUM refuses it
        for stmt in base.replace("{rows}", str(rows)).split(";\n"):
            if stmt.strip():
                conn.execute(stmt.encode())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=10_000)
    parser.add_argument("--only", nargs="*", help="measure only these ids (writes nothing)")
    parser.add_argument("--relint", action="store_true",
                        help="keep the measurements, refresh only the ec lint column")
    args = parser.parse_args(argv)
    base, entries = load_corpus()
    if args.relint:
        return relint(base, entries)
    if args.only:
        entries = [e for e in entries if e.id in set(args.only)]
    started = time.monotonic()
    settings = {"autovacuum": "off", "max_parallel_maintenance_workers": "0", "timezone": "'UTC'"}
    with throwaway_cluster(settings=settings) as cluster:
        version = cluster.connect().execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        sizes = {"big": args.rows, "small": args.small_rows}
        dsns = {}
        for key, rows in sizes.items():
            dsns[key] = cluster.create_database(f"corpus_{key}")
            t = time.monotonic()
            build(dsns[key], base, rows)
            print(f"built {rows} rows in {time.monotonic() - t:.1f}s", file=sys.stderr)
        results = []
        for entry in entries:
            small = measure_one(dsns["small"], sizes["small"], entry)
            big = measure_one(dsns["big"], sizes["big"], entry)
            row = {
                "id": entry.id, "label": entry.label, "statement": entry.statement,
                "setup": entry.setup, "transaction": entry.transaction,
                "big": big, "small": small, "verdict": verdict(big, small),
                "lint": lint_findings(entry, base),
            }
            results.append(row)
            print(f"{entry.id:40s} {row['verdict']:30s} reads {big['reads_blocked_ms']:>8} "
                  f"writes {big['writes_blocked_ms']!s:>8} ({big['duration_ms']} ms)", file=sys.stderr)
    data = {
        "server_version": version,
        "rows": sizes,
        "probe": {"interval_ms": PROBE_INTERVAL * 1000, "lock_timeout_ms": PROBE_LOCK_TIMEOUT_MS},
        "grows_rule": {"factor": GROWS_FACTOR},
        "elapsed_s": round(time.monotonic() - started, 1),
        "statements": results,
    }
    if args.only:
        print(json.dumps(results, indent=2))
        return 0
    MEASURED.write_text(json.dumps(data, indent=1) + "\n")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(render_markdown(data))
    print(f"wrote {MEASURED} and {DOC} in {data['elapsed_s']}s", file=sys.stderr)
    return 0


def relint(base: str, entries: list[Entry]) -> int:
    data = load_measured()
    by_id = {e.id: e for e in entries}
    for row in data["statements"]:
        if row["id"] in by_id:
            row["lint"] = lint_findings(by_id[row["id"]], base)
    MEASURED.write_text(json.dumps(data, indent=1) + "\n")
    DOC.write_text(render_markdown(data))
    print(f"refreshed the lint column of {MEASURED} and {DOC}", file=sys.stderr)
    return 0


def _strongest_per_relation(locks: list[str]) -> str:
    """"ShareLock(items), AccessShareLock(items)" -> "ShareLock(items)": the one that matters."""
    best: dict[str, str] = {}
    for text in locks:
        mode, _, rel = text.rstrip(")").partition("(")
        if rel not in best or LOCK_STRENGTH.index(mode) > LOCK_STRENGTH.index(best[rel]):
            best[rel] = mode
    return ", ".join(f"{mode}({rel})" for rel, mode in sorted(best.items())) or "-"


def _lint_cell(lint: list[dict[str, str]] | None) -> str:
    if lint is None:
        return "(lint not run)"
    if not lint:
        return "-"
    order = {"error": 0, "warning": 1, "info": 2}
    return ", ".join(f"{f['rule']} ({f['severity']})" for f in sorted(lint, key=lambda f: order.get(f["severity"], 3)))


def _agreement(data: dict[str, Any]) -> list[str]:
    rows = [r for r in data["statements"] if r["lint"] is not None]
    if not rows:
        return []
    grows = [r for r in rows if r["verdict"] == GROWS]
    none = [r for r in rows if r["verdict"] == NONE]
    caught = [r for r in grows if any(f["severity"] == "error" for f in r["lint"])]
    wrong = [r for r in none if any(f["severity"] == "error" and f["category"] in ("locking", "transaction")
                                    for f in r["lint"])]
    breaking = [r for r in none if any(f["severity"] == "error" and f["category"] == "breaking" for f in r["lint"])]
    return [
        f"**Agreement:** `ec lint` gives an error for {len(caught)} of the {len(grows)} statements that "
        f"block for a time that grows with the table, and a locking/transaction error for "
        f"{len(wrong)} of the {len(none)} that block nothing"
        + (f" ({', '.join(r['id'] for r in wrong)})" if wrong else "")
        + f". {len(breaking)} statements that block nothing are still errors because they break the "
        "running application (rename, drop, TRUNCATE...): that is a breaking-change rule, not a "
        "locking one.",
        "",
    ]


def render_markdown(data: dict[str, Any]) -> str:
    rows = data["rows"]
    out = [
        "# The lint corpus, measured against PostgreSQL",
        "",
        "<!-- generated by `python -m expandcontract.lint.corpus.measure`; do not edit -->",
        "",
        f"Every statement of `expandcontract/lint/corpus/statements.yaml` was run against a table of "
        f"{rows['big']:,} rows and one of {rows['small']:,} rows (PostgreSQL {data['server_version']}, "
        f"fsync off) while two other sessions read and wrote a random row every "
        f"{data['probe']['interval_ms']:.0f} ms with `lock_timeout = {data['probe']['lock_timeout_ms']}ms`. "
        "Blocked time counts only while the statement runs (it runs in a transaction that is then "
        "rolled back; statements that cannot run in a transaction are committed and undone). "
        f"The whole run took {data['elapsed_s']:.0f} s.",
        "",
        f"**Verdict** (from the measurement, never by hand): *{GROWS}* when a probe was blocked on "
        f"the big table and both the statement and the blocked time were at least "
        f"{data['grows_rule']['factor']:.0f}x longer there than on the small table; *{BOUNDED}* "
        f"when probes were blocked but that did not grow with the table; *{NONE}* when no probe "
        f"waited as long as its lock_timeout; *{FAILS}* when the "
        "statement failed on the populated table. `tests/test_lint_corpus.py` checks that `ec lint` "
        "gives an error for every statement that grows with the table and no locking error for one "
        "that blocks nothing.",
        "",
        *_agreement(data),
        "Times in ms. Reads/writes blocked at "
        f"{rows['big'] // 1000}k rows (and at {rows['small'] // 1000}k); \"-\" = not probed.",
        "",
        "| statement | reads blocked | writes blocked | runs | rewrite | locks | verdict | ec lint |",
        "|---|---:|---:|---:|---|---|---|---|",
    ]
    for r in data["statements"]:
        big, small = r["big"], r["small"]

        def pair(key: str, big: dict[str, Any] = big, small: dict[str, Any] = small) -> str:
            if big[key] is None:
                return "-"
            return f"{big[key]:.0f} ({small[key]:.0f})"

        stmt = r["statement"].replace("|", "\\|")
        setup = f"<br>after: `{'; '.join(r['setup'])}`".replace("|", "\\|") if r["setup"] else ""
        locks = _strongest_per_relation(big["locks"])
        out.append(
            f"| **{r['label']}**<br>`{stmt}`{setup} | {pair('reads_blocked_ms')} | "
            f"{pair('writes_blocked_ms')} | {big['duration_ms']:.0f} ({small['duration_ms']:.0f}) | "
            f"{'yes' if big['rewritten'] else 'no'} | {locks} | {r['verdict']}"
            f"{' (' + big['error'] + ')' if big['error'] else ''} | {_lint_cell(r['lint'])} |"
        )
    out += [
        "",
        "Regenerate: `python -m expandcontract.lint.corpus.measure` (about the time above on 2 cores). "
        "Measure a few entries without writing anything: `--only ID [ID...]`.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
