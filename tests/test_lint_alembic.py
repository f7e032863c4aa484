"""ec lint on Alembic revisions: upgrade() runs offline in process; findings point at the
line of the revision file that emitted the statement (helpers included)."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import run_ec

from expandcontract.lint.config import LintConfig
from expandcontract.lint.engine import lint_paths

DATA = Path(__file__).parent / "data" / "lint_alembic"


def _by_file(tmp_path: Path | None = None) -> dict[str, list[tuple[int, str, str]]]:
    root = DATA if tmp_path is None else tmp_path
    result = lint_paths([str(root / "versions")], LintConfig())
    assert result.errors == []
    out: dict[str, list[tuple[int, str, str]]] = {}
    for f in result.findings:
        out.setdefault(Path(f.file).name, []).append((f.line, f.rule, f.severity))
    return out


def test_findings_point_at_the_emitting_line_including_helpers() -> None:
    found = _by_file()["0002_expand.py"]
    # op.create_index inside the helper add_index() -> the helper's line 11
    assert (11, "require-concurrent-index", "error") in found
    # op.add_column(... nullable=False) with no default -> line 16
    assert (16, "ban-add-column-not-null-without-default", "error") in found
    # expand phase declared with ec_phase: the drop is an error
    assert (25, "ban-drop-column", "error") in found


def test_ignore_comment_applies_to_the_next_statement_and_unknown_rules_are_reported() -> None:
    found = _by_file()["0002_expand.py"]
    assert not any(line == 19 for line, _, _ in found)  # suppressed with a reason
    assert (25, "unknown-rule", "warning") in found


def test_autocommit_block_is_outside_the_transaction_but_plain_upgrade_is_inside() -> None:
    by_file = _by_file()
    assert not any(rule == "concurrently-in-transaction" for _, rule, _ in by_file["0002_expand.py"])
    assert (11, "concurrently-in-transaction", "error") in by_file["0003_contract.py"]


def test_contract_phase_comment_turns_drops_into_reminders() -> None:
    found = _by_file()["0003_contract.py"]
    assert (10, "ban-drop-column", "info") in found


def test_lock_timeout_set_with_op_execute_counts() -> None:
    assert not any(rule == "require-lock-timeout" for _, rule, _ in _by_file()["0002_expand.py"])


def test_table_created_in_an_earlier_statement_is_exempt() -> None:
    assert "0001_create.py" not in _by_file()


def test_alembic_config_finds_the_versions(tmp_path: Path) -> None:
    proc = run_ec("lint", "--alembic-config", str(DATA / "alembic.ini"), "--format", "gcc")
    assert proc.returncode == 1, proc.stderr
    assert "0002_expand.py:16:5: error:" in proc.stdout
    assert "0003_contract.py:10:5: note:" in proc.stdout


def test_failing_upgrade_is_a_parse_level_error_naming_the_line(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_bad.py").write_text(
        "from alembic import op\nrevision = '1'\ndown_revision = None\n\n"
        "def upgrade():\n    op.execute('SELECT 1')\n    undefined_helper()\n")
    proc = run_ec("lint", str(versions))
    assert proc.returncode == 2
    assert "0001_bad.py:7" in proc.stdout + proc.stderr


def test_multi_line_exception_from_upgrade_is_reported_on_one_line(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_bad.py").write_text(
        "revision = '1'\ndown_revision = None\n\n"
        "def upgrade():\n    raise RuntimeError('boom\\nsecond line')\n")
    proc = run_ec("lint", str(versions / "0001_bad.py"))
    assert proc.returncode == 2
    [line] = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ": not linted:" in ln]
    assert "0001_bad.py:5" in line and line.endswith("RuntimeError: boom second line")


def test_revision_copied_elsewhere_still_maps_lines(tmp_path: Path) -> None:
    shutil.copytree(DATA / "versions", tmp_path / "versions")
    assert _by_file(tmp_path)["0002_expand.py"] == _by_file()["0002_expand.py"]
