"""ec lint end to end: inputs, exit codes, output formats, config and suppressions."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import click
import jsonschema
import pytest
from conftest import run_ec

from expandcontract.cli import main as cli_main
from expandcontract.cli.lint import DSN_ENV_VAR
from expandcontract.dsn import ENV_VAR
from expandcontract.errors import InputError
from expandcontract.lint.config import LintConfig, load_config
from expandcontract.lint.engine import lint_paths, lint_text
from expandcontract.lint.reporters import sarif

BAD = "SET lock_timeout = '1s';\nCREATE INDEX orders_email_idx ON orders (email);\n"
CLEAN = "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY orders_email_idx ON orders (email);\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "migrations" / "sub").mkdir(parents=True)
    (tmp_path / "migrations" / "001_bad.sql").write_text(BAD)
    (tmp_path / "migrations" / "sub" / "002_clean.sql").write_text(CLEAN)
    return tmp_path


def test_exit_codes_clean_findings_and_parse_error(tree: Path) -> None:
    clean = run_ec("lint", str(tree / "migrations" / "sub"))
    assert clean.returncode == 0 and "0 error(s)" in clean.stdout
    bad = run_ec("lint", str(tree / "migrations"))
    assert bad.returncode == 1
    assert "001_bad.sql:2:1" in bad.stdout and "require-concurrent-index" in bad.stdout
    assert "fix: CREATE INDEX CONCURRENTLY" in bad.stdout
    (tree / "broken.sql").write_text("SELECT 1;\n\nALTER TABLE t ADD COLUM x int;\n")
    broken = run_ec("lint", str(tree / "broken.sql"))
    assert broken.returncode == 2
    assert "broken.sql:3" in broken.stdout and "Traceback" not in broken.stderr


def test_missing_path_and_unknown_rule_option_are_usage_errors(tree: Path) -> None:
    missing = run_ec("lint", str(tree / "nope.sql"))
    assert missing.returncode == 2 and "nope.sql" in missing.stderr
    unknown = run_ec("lint", "--disable", "no-such-rule", str(tree))
    assert unknown.returncode == 2 and "no-such-rule" in unknown.stderr


def test_stdin_glob_and_gcc_format(tree: Path) -> None:
    piped = run_ec("lint", "-", "--format", "gcc", input=BAD)
    assert piped.returncode == 1
    assert piped.stdout.startswith("<stdin>:2:1: error: CREATE INDEX")
    assert piped.stdout.rstrip().endswith("[require-concurrent-index]")
    globbed = run_ec("lint", str(tree / "migrations" / "**" / "*.sql"), "--format", "json")
    data = json.loads(globbed.stdout)
    assert data["files"] == 2 and data["statements"] == 4
    assert [f["rule"] for f in data["findings"]] == ["require-concurrent-index"]
    assert data["findings"][0]["category"] == "locking"


def test_github_annotations(tree: Path) -> None:
    proc = run_ec("lint", str(tree / "migrations" / "001_bad.sql"), "--format", "github")
    line = proc.stdout.splitlines()[0]
    assert line.startswith("::error file=")
    assert ",line=2,col=1,title=ec lint%3A require-concurrent-index::CREATE INDEX" in line


def test_no_colour_when_piped(tree: Path) -> None:
    proc = run_ec("lint", str(tree / "migrations"), env={"TERM": "xterm-256color"})
    assert "\x1b[" not in proc.stdout


def test_disable_enable_and_pg_version_flags(tree: Path) -> None:
    target = str(tree / "migrations" / "001_bad.sql")
    assert run_ec("lint", "--disable", "require-concurrent-index", target).returncode == 0
    (tree / "old.sql").write_text("SET lock_timeout = '1s';\n"
                                  "ALTER TABLE t ADD COLUMN s text DEFAULT 'x';\n")
    assert run_ec("lint", str(tree / "old.sql")).returncode == 0
    old = run_ec("lint", "--pg-version", "10", str(tree / "old.sql"), "--format", "json")
    assert [f["rule"] for f in json.loads(old.stdout)["findings"]] == ["ban-volatile-default"]


def test_pyproject_config_is_found_upwards_and_flags_override(tree: Path) -> None:
    (tree / "pyproject.toml").write_text(
        "[tool.expandcontract.lint]\npg_version = 10\n"
        "disable = [\"require-concurrent-index\"]\n"
        "severity = { \"prefer-text\" = \"error\" }\n")
    config = load_config(start=tree / "migrations" / "sub")
    assert config.pg_version == 10 and "require-concurrent-index" in config.disable
    result = lint_paths([str(tree / "migrations")], config)
    assert result.findings == []
    styled = lint_text("CREATE TABLE n (name varchar(10));", config=config)
    assert [(f.rule, f.severity) for f in styled] == [("prefer-text", "error")]
    again = config.with_overrides(enable=["require-concurrent-index"])
    assert [f.rule for f in lint_paths([str(tree / "migrations")], again).findings] == [
        "require-concurrent-index"]
    (tree / "pyproject.toml").write_text("[tool.expandcontract.lint]\nbogus = 1\n")
    with pytest.raises(InputError, match="bogus"):
        load_config(start=tree)


def test_ignore_file_and_next_statement_suppressions() -> None:
    sql = ("-- ec:ignore-file require-lock-timeout\n"
           "-- ec:ignore ban-drop-column dropped in v41, gate checked\n"
           "ALTER TABLE orders DROP COLUMN legacy;\n"
           "ALTER TABLE orders DROP COLUMN other;\n")
    found = [(f.line, f.rule) for f in lint_text(sql)]
    assert found == [(4, "ban-drop-column")]


def test_file_context_exempts_new_objects_and_tracks_transactions() -> None:
    sql = ("SET lock_timeout = '1s';\n"
           "BEGIN;\n"
           "CREATE TABLE audit (id bigint PRIMARY KEY, at timestamptz);\n"
           "CREATE INDEX audit_at_idx ON audit (at);\n"
           "ALTER TABLE audit ADD CONSTRAINT c CHECK (id > 0);\n"
           "COMMIT;\n")
    assert lint_text(sql) == []


def test_non_ascii_text_keeps_columns_right() -> None:
    sql = "SELECT 'ünïcödé';  CREATE INDEX i ON t (a);"
    (f,) = [f for f in lint_text(sql) if f.rule == "require-concurrent-index"]
    assert (f.line, f.column) == (1, 20)  # characters, not UTF-8 bytes


SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def _sarif_validator() -> jsonschema.Draft4Validator:
    """The official OASIS SARIF 2.1.0 schema (errata01; oasis-tcs/sarif-spec,
    Schemata/sarif-schema-2.1.0.json at commit 0a8091f7), vendored unmodified."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_vendored_sarif_schema_is_the_official_one() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    assert schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/"
                            "schemas/sarif-schema-2.1.0.json")
    assert len(SARIF_SCHEMA.read_text()) == 112768
    # it rejects what SARIF forbids (so validating against it means something)
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                         "results": [{"message": {"text": "m"},
                                                      "level": "fatal"}]}]}
    assert not _sarif_validator().is_valid(bad)


def test_sarif_is_valid_and_points_at_the_finding(tree: Path) -> None:
    result = lint_paths([str(tree / "migrations")], LintConfig())
    log = json.loads(sarif.render(result))
    _sarif_validator().validate(log)
    (res,) = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == "require-concurrent-index"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("migrations/001_bad.sql")
    assert loc["region"]["startLine"] == 2 and res["level"] == "error"


def test_colour_only_when_forced_or_on_a_terminal_and_never_with_no_color(tree: Path) -> None:
    target = str(tree / "migrations")
    forced = run_ec("lint", target, env={"NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[1;31merror\x1b[0m" in forced.stdout
    plain = run_ec("lint", target, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert "\x1b[" not in plain.stdout
    # colour codes only wrap words: stripped, the coloured report is the plain one
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced.stdout) == plain.stdout


def test_json_shape_is_stable(tree: Path) -> None:
    (tree / "broken.sql").write_text("SELECT 1;\nALTER TABLE t ADD COLUM x int;\n")
    proc = run_ec("lint", "--format", "json", str(tree / "migrations"), str(tree / "broken.sql"))
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    assert list(data) == ["version", "files", "statements", "counts", "findings", "errors"]
    assert data["version"] == 1 and data["files"] == 3 and data["statements"] == 4
    assert data["counts"] == {"error": 1, "warning": 0, "info": 0}
    (finding,) = data["findings"]
    assert sorted(finding) == sorted(["rule", "severity", "category", "message", "fix", "file",
                                      "line", "column", "statement"])
    assert (finding["line"], finding["column"]) == (2, 1)
    assert finding["statement"] == "CREATE INDEX orders_email_idx ON orders (email)"
    (error,) = data["errors"]
    assert error["file"].endswith("broken.sql") and error["line"] == 2
    assert error["message"].startswith("syntax error")


def test_stdin_parse_error_exits_2_naming_the_line() -> None:
    sql = "SET lock_timeout = '1s';\n\nALTER TABLE t ADD COLUM x int;\n"
    text = run_ec("lint", "-", input=sql)
    assert text.returncode == 2 and "Traceback" not in text.stderr
    assert text.stdout.startswith("<stdin>:3: not linted: syntax error")
    gcc = run_ec("lint", "-", "--format", "gcc", input=sql)
    assert gcc.returncode == 2 and gcc.stdout.startswith("<stdin>:3:1: error: syntax error")
    clean = run_ec("lint", "-", input=CLEAN)
    assert clean.returncode == 0 and "1 file(s), 2 statement(s): 0 error(s)" in clean.stdout


def test_lint_imports_neither_psycopg_nor_rich_nor_other_commands(tree: Path) -> None:
    # Start-up is paid on every CI lint run: `ec lint` loads only what linting needs.
    code = ("import sys\n"
            "from expandcontract.cli.main import main\n"
            "try:\n"
            f"    main(['lint', {str(tree / 'migrations')!r}])\n"
            "except SystemExit as exc:\n"
            "    print('EXIT', exc.code, sorted(m for m in sys.modules if m.split('.')[0] in\n"
            "          ('psycopg', 'rich', 'yaml') or m.startswith('expandcontract.cli.')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    assert proc.stdout.splitlines()[-1] == (
        "EXIT 1 ['expandcontract.cli.lint', 'expandcontract.cli.main']"), proc.stderr


def test_help_lists_every_command_module_and_the_shortcut_map_is_right() -> None:
    assert DSN_ENV_VAR == ENV_VAR
    defined: dict[str, str] = {}
    for module in pkgutil.iter_modules([str(Path(cli_main.__file__).parent)]):
        if module.name in ("main", "common") or module.name.startswith("_"):
            continue
        mod = importlib.import_module(f"expandcontract.cli.{module.name}")
        for command in getattr(mod, "COMMANDS", []):
            assert isinstance(command, click.Command)
            defined[command.name or ""] = module.name
    for name, module_name in cli_main._COMMAND_MODULES.items():
        assert defined.get(name) == module_name, name
    helped = run_ec("--help")
    listed = {line.split()[0] for line in helped.stdout.split("Commands:")[1].splitlines()
              if line.strip()}
    assert listed == set(defined)


def test_sarif_of_many_rules_suppression_warnings_and_parse_errors_is_valid(tree: Path) -> None:
    (tree / "many.sql").write_text(
        "-- ec:ignore no-such-rule because\n"
        "ALTER TABLE orders ADD COLUMN n int NOT NULL;\n"
        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(20);\n"
        "CREATE TABLE t (id serial PRIMARY KEY, at timestamp, doc json, c char(2));\n"
        "UPDATE orders SET status = 'x';\n")
    (tree / "broken.sql").write_text("SELECT 1;\nALTER TABLE t ADD COLUM x int;\n")
    proc = run_ec("lint", "--format", "sarif", str(tree / "many.sql"), str(tree / "broken.sql"),
                  str(tree / "migrations"))
    assert proc.returncode == 2  # the parse error wins
    log = json.loads(proc.stdout)
    _sarif_validator().validate(log)
    run = log["runs"][0]
    rules = {r["ruleId"] for r in run["results"]}
    assert {"unknown-rule", "ban-add-column-not-null-without-default", "prefer-timestamptz",
            "prefer-jsonb", "ban-char-type", "ban-unbounded-dml"} <= rules
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
