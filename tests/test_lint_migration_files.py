"""ec lint given one of ec's own migration files (YAML/JSON) says what to do instead of
reporting it as an SQL syntax error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, run_ec


@pytest.mark.parametrize("name", ["m.yaml", "m.yml", "m.json"])
def test_migration_file_given_to_lint_is_named_with_the_command_to_use(
        tmp_path: Path, name: str) -> None:
    source = ROOT / "migrations_examples" / "users_rename_column" / "users_rename_column.yaml"
    path = tmp_path / name
    path.write_text(source.read_text())
    result = run_ec("lint", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ec: error: ")
    assert str(path) in lines[0] and "ec plan" in lines[0]
    assert "syntax error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
