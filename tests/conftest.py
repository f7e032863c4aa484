"""Shared test helpers. Database fixtures come from expandcontract.testing.pytest_plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "migrations_examples"


def run_ec(*args: str, env: dict[str, str] | None = None, input: str | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real ``ec`` CLI in a subprocess, as a user would."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    full_env.pop("EC_DATABASE_URL", None) if env is None or "EC_DATABASE_URL" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "expandcontract.cli.main", *args],
        capture_output=True, text=True, env=full_env, input=input, timeout=timeout,
    )


@pytest.fixture
def ec():
    return run_ec
