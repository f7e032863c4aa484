"""The CD snippets in the docs (GitHub Actions, GitLab, Kubernetes, Argo Rollouts) as a user
would paste them: valid YAML, containers that say what they run, and the Argo gate loop run
for real against ``ec gate`` and PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import yaml
from conftest import EXAMPLES, ROOT, run_ec

DOCS = ROOT / "docs"
EXAMPLE = EXAMPLES / "orders_customer_email"
NAME = "orders_customer_email"


def _yaml_blocks(page: Path) -> list[str]:
    return re.findall(r"```ya?ml\n(.*?)```", page.read_text(), re.S)


def _containers(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "containers" and isinstance(value, list):
                found.extend(c for c in value if isinstance(c, dict))
            else:
                found.extend(_containers(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_containers(item))
    return found


def _deploy_documents() -> list[Any]:
    return [doc for block in _yaml_blocks(DOCS / "deploy.md") for doc in yaml.safe_load_all(block)]


def test_every_yaml_block_in_the_docs_parses() -> None:
    pages = sorted(DOCS.rglob("*.md"))
    blocks = [(page, block) for page in pages for block in _yaml_blocks(page)]
    assert any(p.name == "ci.md" for p, _ in blocks) and any(p.name == "deploy.md" for p, _ in blocks)
    for page, block in blocks:
        try:
            list(yaml.safe_load_all(block))
        except yaml.YAMLError as exc:
            raise AssertionError(f"{page.relative_to(ROOT)}: {exc}") from None
    assert yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_kubernetes_containers_name_the_command_they_run() -> None:
    # `args` without `command` only feeds the image's entrypoint, which need not be `ec`.
    containers = _containers(_deploy_documents())
    assert len(containers) >= 2
    for container in containers:
        assert container.get("command"), f"container {container.get('name')} has no command"
        assert "ec" in " ".join(container["command"] + container.get("args", []))


def _argo_gate_container() -> dict[str, Any]:
    for doc in _deploy_documents():
        if isinstance(doc, dict) and doc.get("kind") == "AnalysisTemplate":
            (container,) = _containers(doc)
            return container
    raise AssertionError("no AnalysisTemplate in docs/deploy.md")


def _run_loop(dsn: str, migration: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """The AnalysisTemplate's container command, with the documented env and a short sleep."""
    container = _argo_gate_container()
    command = container["command"] + [a.replace("sleep 15", "sleep 0.2") for a in container["args"]]
    bindir = str(Path(sys.executable).parent)  # where the venv's `ec` lives
    env = {**os.environ, "PATH": f"{bindir}:{os.environ.get('PATH', '')}", "NO_COLOR": "1",
           "MIGRATION": migration, "EC_DATABASE_URL": dsn}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)


def test_argo_gate_job_waits_while_blocked_and_passes_when_the_old_version_leaves(ec_db: Any) -> None:
    ec_db.execute((EXAMPLE / "schema.sql").read_text())
    assert run_ec("expand", str(EXAMPLE / f"{NAME}.yaml"), "--dsn", ec_db.dsn).returncode == 0
    assert run_ec("backfill", NAME, "--dsn", ec_db.dsn, "--verify").returncode == 0

    # Bad input ends the Job at once with the gate's own exit code.
    assert _run_loop(ec_db.dsn, "no_such_migration", timeout=60).returncode == 2

    # An old version (never registered: unknown) is connected: the gate blocks until it leaves.
    old = psycopg.connect(ec_db.dsn, application_name="ec:orders@v0")
    left = threading.Event()

    def leave() -> None:
        time.sleep(3)
        old.close()
        left.set()

    threading.Thread(target=leave, daemon=True).start()
    result = _run_loop(ec_db.dsn, NAME, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert left.is_set()  # it did not pass while the old version was still connected
    assert result.stdout.count("gate: blocked") >= 1 and result.stdout.rstrip().endswith(
        "gate: pass - contract may run")
