"""Backfill memory: peak RSS of the `ec backfill` process at 1M and at 5M rows.

    python -m benchmarks.backfill_memory [--small 1000000] [--large 5000000]

The engine never holds rows in Python: batches are UPDATE statements over key ranges and the
cursor is one key. So the peak RSS must not grow with the table: the gate is a difference of
less than 20 MB between the two sizes (peak RSS from wait4 of the process itself).
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.backfill_common import (
    end_line,
    machine,
    make_table,
    publish,
    register,
    run_ec_backfill,
)
from expandcontract.testing.cluster import throwaway_cluster

LIMIT_MB = 20.0


def run(sizes: list[int]) -> dict:
    measured = []
    with throwaway_cluster() as cluster, cluster.connect() as conn:
        for i, rows in enumerate(sizes):
            make_table(conn, "mem", rows)
            register(conn, f"mem{i}", "mem")
            result = run_ec_backfill(cluster.dsn(), f"mem{i}")
            end_line(result, rows)
            measured.append({"rows": rows, "peak_rss_mb": round(result["peak_rss_mb"], 1),
                             "wall_s": round(result["wall_s"], 1)})
            print(f"{rows:>10,} rows: peak RSS {result['peak_rss_mb']:.1f} MB", flush=True)
    diff = measured[-1]["peak_rss_mb"] - measured[0]["peak_rss_mb"]
    return {"machine": machine(), "runs": measured, "difference_mb": round(diff, 1), "limit_mb": LIMIT_MB}


def section(d: dict) -> str:
    rows = "\n".join(f"| {r['rows']:,} | {r['peak_rss_mb']:.1f} MB | {r['wall_s']:.1f} s |" for r in d["runs"])
    verdict = "meets" if abs(d["difference_mb"]) < LIMIT_MB else "MISSES"
    return "\n".join([
        "### Backfill memory",
        "",
        "Peak RSS of the whole `ec backfill` process (from `wait4`), defaults, one table per size.",
        "",
        "| rows | peak RSS | wall time |",
        "|---:|---:|---:|",
        rows,
        "",
        f"Difference: {d['difference_mb']:+.1f} MB (limit: < {LIMIT_MB:g} MB): **{verdict}**."
        " Raw numbers: `benchmarks/results/backfill_memory.json`; regenerate with"
        " `python -m benchmarks.backfill_memory`.",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak RSS of ec backfill at two table sizes")
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=5_000_000)
    args = parser.parse_args(argv)
    data = run([args.small, args.large])
    publish("backfill_memory", data, section(data))
    return 0 if abs(data["difference_mb"]) < LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
