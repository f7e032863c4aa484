"""Finding PostgreSQL server binaries on this machine."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExecutionError


@dataclass(frozen=True)
class PostgresBinaries:
    bindir: Path
    major: int

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def _version_of(bindir: Path) -> int | None:
    postgres = bindir / "postgres"
    if not postgres.exists():
        return None
    try:
        out = subprocess.run([str(postgres), "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _numeric_version(path: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path))


def _candidates() -> Iterator[Path]:
    """Candidate bin directories in order of preference, computed lazily (pgserver is slow to
    import and only the last resort)."""
    env = os.environ.get("EC_PG_BINDIR")
    if env:
        yield Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=20)
            if out.returncode == 0 and out.stdout.strip():
                yield Path(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_numeric_version, reverse=True):
        yield Path(path)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pgserver  # type: ignore[import-not-found]
    except Exception:  # pgserver is optional
        return
    yield Path(pgserver.__file__).parent / "pginstall" / "bin"


def find_binaries() -> PostgresBinaries:
    """EC_PG_BINDIR, then pg_config, then /usr/lib/postgresql/*/bin, then pgserver's bundle."""
    env = os.environ.get("EC_PG_BINDIR")
    for bindir in _candidates():
        major = _version_of(bindir)
        if major is not None and (bindir / "initdb").exists():
            return PostgresBinaries(bindir, major)
        if env and bindir == Path(env):
            raise ExecutionError(f"EC_PG_BINDIR={env} holds no usable postgres and initdb")
    raise ExecutionError(
        "no PostgreSQL server binaries found: set EC_PG_BINDIR, install PostgreSQL, "
        "or pip install pgserver"
    )
