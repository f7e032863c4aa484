"""Run every benchmark: each benchmarks/*.py module that defines ``main()`` (`make bench`).

    python -m benchmarks.run_all [NAME ...]   # only the named modules, e.g. lint_throughput
"""

from __future__ import annotations

import importlib
import inspect
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmark_modules() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem not in {"__init__", "run_all"}
                  and not p.stem.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    wanted = list(sys.argv[1:] if argv is None else argv)
    failed = []
    for name in benchmark_modules():
        if wanted and name not in wanted:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue
        print(f"== {name}", flush=True)
        start = time.monotonic()
        takes_argv = bool(inspect.signature(entry).parameters)
        code = entry([]) if takes_argv else entry()  # defaults, not run_all's own arguments
        print(f"== {name}: exit {code or 0} in {time.monotonic() - start:.0f}s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
