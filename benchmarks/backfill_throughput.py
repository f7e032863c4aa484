"""Backfill throughput: unthrottled `ec backfill` against one plain UPDATE of the same table.

    python -m benchmarks.backfill_throughput [--rows 1000000] [--repeat 3]

Two identical tables of ``--rows`` rows are built on a throwaway cluster (fsync off); one is
filled by a single ``UPDATE t SET b = a * 2 WHERE b IS DISTINCT FROM a * 2``, the other by the
real ``ec backfill`` process (defaults: adaptive batch size, every signal on, no replica).
Repeated ``--repeat`` times, alternating which goes first. The gate: ec's rows/s over its own
batch time (first batch start to last commit) is at least 0.8 of the single UPDATE's; the
rows/s over the whole process (interpreter start-up and imports included) is reported too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from benchmarks.backfill_common import (
    engine_seconds,
    machine,
    make_table,
    register,
    run_ec_backfill,
    write_doc_section,
    write_results,
)
from expandcontract.testing.cluster import throwaway_cluster

TARGET = 0.8


def run(rows: int, repeat: int) -> dict:
    trials = []
    with throwaway_cluster() as cluster:
        dsn = cluster.dsn()
        with cluster.connect() as conn:
            for i in range(repeat):
                make_table(conn, "single", rows)
                make_table(conn, "batched", rows)
                register(conn, f"tp{i}", "batched")
                order = ["single", "ec"] if i % 2 == 0 else ["ec", "single"]
                trial: dict = {"order": order}
                for which in order:
                    if which == "single":
                        start = time.monotonic()
                        cur = conn.execute("UPDATE single SET b = a * 2 WHERE b IS DISTINCT FROM a * 2")
                        trial["single_s"] = time.monotonic() - start
                        assert cur.rowcount == rows
                    else:
                        result = run_ec_backfill(dsn, f"tp{i}")
                        trial["ec_process_s"] = result["wall_s"]
                        trial["ec_engine_s"] = engine_seconds(conn, f"tp{i}")
                        end = [ln for ln in result["lines"] if ln["event"] == "end"][-1]
                        assert end["rows_updated"] == rows, end
                        trial["ec_final_batch_size"] = end["batch_size"]
                    conn.execute("CHECKPOINT")
                trial["ratio_engine"] = trial["single_s"] / trial["ec_engine_s"]
                trial["ratio_process"] = trial["single_s"] / trial["ec_process_s"]
                print(f"trial {i}: single {trial['single_s']:.2f}s, ec engine {trial['ec_engine_s']:.2f}s"
                      f" (process {trial['ec_process_s']:.2f}s): ratio {trial['ratio_engine']:.2f}"
                      f" / {trial['ratio_process']:.2f}", flush=True)
                trials.append(trial)
    single = statistics.median(t["single_s"] for t in trials)
    engine = statistics.median(t["ec_engine_s"] for t in trials)
    process = statistics.median(t["ec_process_s"] for t in trials)
    return {
        "rows": rows, "repeat": repeat, "machine": machine(), "trials": trials,
        "single_update_rows_per_s": round(rows / single),
        "ec_engine_rows_per_s": round(rows / engine),
        "ec_process_rows_per_s": round(rows / process),
        "ratio_engine": round(statistics.median(t["ratio_engine"] for t in trials), 3),
        "ratio_process": round(statistics.median(t["ratio_process"] for t in trials), 3),
        "target": TARGET,
    }


def section(d: dict) -> str:
    verdict = "meets" if d["ratio_engine"] >= TARGET else "MISSES"
    return "\n".join([
        "### Backfill throughput",
        "",
        f"`ec backfill` (unthrottled: defaults, adaptive batch size, no replica) against one"
        f" `UPDATE` of an identical {d['rows']:,}-row table, same cluster, same run,"
        f" median of {d['repeat']} alternating trials ({d['machine']['cpus']} CPUs shared, fsync off).",
        "",
        "| | rows/s | ratio to single UPDATE |",
        "|---|---:|---:|",
        f"| single `UPDATE` | {d['single_update_rows_per_s']:,} | 1.00 |",
        f"| `ec backfill`, batch time (first batch start to last commit) | {d['ec_engine_rows_per_s']:,} | {d['ratio_engine']:.2f} |",
        f"| `ec backfill`, whole process (start-up, imports, connections) | {d['ec_process_rows_per_s']:,} | {d['ratio_process']:.2f} |",
        "",
        f"Target: >= {TARGET} on batch time: **{verdict}**. Raw numbers:"
        " `benchmarks/results/backfill_throughput.json`; regenerate with"
        " `python -m benchmarks.backfill_throughput`.",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = run(args.rows, args.repeat)
    write_results("backfill_throughput", data)
    write_doc_section("backfill-throughput", section(data))
    print(f"ratio (batch time) {data['ratio_engine']}, (process) {data['ratio_process']}")
    return 0 if data["ratio_engine"] >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
