"""`ec plan` of every example, in text and JSON, through the real CLI. The JSON is compared
with reviewed expected plans in tests/expected_plans/ (regenerate with EC_UPDATE_EXPECTED=1,
then read the diff before committing)."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, run_ec

EXPECTED = Path(__file__).resolve().parent / "expected_plans"
NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and (p / f"{p.name}.yaml").exists())


def example(name: str) -> Path:
    return EXAMPLES / name / f"{name}.yaml"


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """`ec plan` of every example in both formats, run in parallel (fresh processes)."""
    jobs = [(name, fmt) for name in NAMES for fmt in ("text", "json")]
    with ThreadPoolExecutor(max_workers=6) as pool:
        done = pool.map(lambda job: run_ec("plan", str(example(job[0])), "--format", job[1]), jobs)
        return dict(zip(jobs, done, strict=True))


def test_every_example_is_listed() -> None:
    assert len(NAMES) >= 7
    readme = (EXAMPLES / "README.md").read_text()
    for name in NAMES:
        assert name in readme


@pytest.mark.parametrize("name", NAMES)
def test_plan_json_matches_reviewed(name: str, runs: dict[tuple[str, str], Any]) -> None:
    result = runs[(name, "json")]
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    # The source path depends on where the checkout lives: compare it relative to the root.
    plan["source"] = str(Path(plan["source"]).relative_to(ROOT))
    expected_file = EXPECTED / f"{name}.json"
    if os.environ.get("EC_UPDATE_EXPECTED"):
        EXPECTED.mkdir(exist_ok=True)
        expected_file.write_text(json.dumps(plan, indent=2) + "\n")
    assert plan == json.loads(expected_file.read_text())
    assert set(plan["phases"]) == {"expand", "backfill", "contract"}
    assert plan["migration"] == name


@pytest.mark.parametrize("name", NAMES)
def test_plan_text_shows_three_phases(name: str, runs: dict[tuple[str, str], Any]) -> None:
    result = runs[(name, "text")]
    assert result.returncode == 0, result.stderr
    out = result.stdout
    positions = [out.index(h) for h in ("Phase 1: expand", "Phase 2: backfill", "Phase 3: contract")]
    assert positions == sorted(positions)
    assert f"Migration {name}" in out
    assert "\x1b[" not in out  # plain when piped


def test_documents_round_trip(tmp_path: Path) -> None:
    """Migration.to_document() (what the state store keeps) loads back into the same plan,
    for every example and for the hostile-identifier migration covering every operation."""
    import yaml
    from test_identifiers import write_migration

    from expandcontract.planning.load_yaml import load_migration_text
    from expandcontract.planning.planner import build_plan
    from expandcontract.planning.sources import load_any

    paths = [example(name) for name in NAMES] + [write_migration(tmp_path)]
    for path in paths:
        migration = load_any(path)
        text = yaml.safe_dump(migration.to_document(), allow_unicode=True)
        again = load_migration_text(text, "stored.yaml", default_name="x")
        first, second = build_plan(migration).to_json(), build_plan(again).to_json()
        first["source"] = second["source"] = None
        assert first == second, path
