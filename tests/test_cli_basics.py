"""The ec entry point itself: version, help, DSN resolution and password hygiene."""

from __future__ import annotations

import pytest

from expandcontract import __version__
from expandcontract.dsn import redact

SECRET = "s3cr3t-Pa55"


def test_version_and_help(ec):
    out = ec("--version")
    assert out.returncode == 0 and __version__ in out.stdout
    helped = ec("--help")
    assert helped.returncode == 0
    assert "plan" in helped.stdout


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql://app:{SECRET}@db.example:5432/prod",
        f"host=db user=app password={SECRET} dbname=prod",
        f"host=db user=app password='{SECRET}' dbname=prod",
        f"postgresql://app@db/prod?password={SECRET}&sslmode=require",
    ],
)
def test_redact_removes_passwords(text):
    cleaned = redact(text)
    assert SECRET not in cleaned
    assert "***" in cleaned


def test_connection_failure_is_one_line_without_password(ec, tmp_path):
    migration = tmp_path / "m.yaml"
    migration.write_text(
        "operations:\n  - create_index: {table: t, name: t_a_idx, columns: [a]}\n"
    )
    dsn = f"postgresql://app:{SECRET}@127.0.0.1:1/prod?connect_timeout=2"
    for args, env in (
        (["plan", str(migration), "--dsn", dsn], None),
        (["plan", str(migration)], {"EC_DATABASE_URL": dsn}),
    ):
        out = ec(*args, env=env)
        assert out.returncode == 4, out.stderr
        assert SECRET not in out.stdout + out.stderr
        assert "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ec: error: cannot connect")


def test_malformed_dsn_is_bad_input(ec, tmp_path):
    migration = tmp_path / "m.yaml"
    migration.write_text("operations:\n  - create_index: {table: t, name: i, columns: [a]}\n")
    out = ec("plan", str(migration), "--dsn", f"host=x password={SECRET} = =")
    assert out.returncode == 2
    assert SECRET not in out.stderr and "Traceback" not in out.stderr


def test_command_map_names_the_module_of_every_command():
    """The start-up shortcut in cli/main.py must not point a command at the wrong module."""
    import importlib
    import pkgutil
    from pathlib import Path

    import expandcontract.cli as cli_pkg
    from expandcontract.cli.main import _COMMAND_MODULES, _NOT_COMMANDS

    defined: dict[str, str] = {}
    for module in pkgutil.iter_modules([str(Path(cli_pkg.__file__).parent)]):
        if module.name in _NOT_COMMANDS or module.name.startswith(("_", "test_")):
            continue
        mod = importlib.import_module(f"expandcontract.cli.{module.name}")
        for command in getattr(mod, "COMMANDS", []):
            defined[command.name] = module.name
    assert defined == _COMMAND_MODULES


def test_every_command_is_in_the_cli_reference():
    """docs/cli.md lists every command ec has (a command without its docs is not done)."""
    from conftest import ROOT

    from expandcontract.cli.main import _COMMAND_MODULES

    reference = (ROOT / "docs" / "cli.md").read_text()
    missing = [name for name in _COMMAND_MODULES if f"`ec {name}" not in reference]
    assert missing == []
