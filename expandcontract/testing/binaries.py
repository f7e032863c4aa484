"""Finding PostgreSQL server binaries on this machine."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
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


def _candidates() -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("EC_PG_BINDIR")
    if env:
        found.append(Path(env))
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=20)
            if out.returncode == 0 and out.stdout.strip():
                found.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        found.append(Path(path))
    try:
        import pgserver  # type: ignore[import-not-found]

        found.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except Exception:  # pgserver is optional
        pass
    return found


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
