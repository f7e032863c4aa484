"""``ec lint``: static checks of SQL files and Alembic revisions for locking and breaking DDL."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, InputError
from ..lint.config import load_config
from ..lint.engine import lint_paths
from ..lint.model import LintResult
from ..lint.reporters import FORMATS
from ..lint.reporters._out import Painter, colour_enabled
from ..lint.rules import all_rules, rule_ids

# Not cli.common: it imports rich and psycopg, which `ec lint` needs only for --trace, and
# start-up time is part of every CI run. Same variable as expandcontract.dsn.ENV_VAR (a test
# checks they agree).
DSN_ENV_VAR = "EC_DATABASE_URL"


def _rule_list(values: tuple[str, ...], option: str) -> list[str]:
    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    unknown = sorted(set(out) - rule_ids())
    if unknown:
        raise InputError(f"unknown rule(s): {', '.join(unknown)} (see ec lint --list-rules)",
                         where=option)
    return out


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _print_rules(fmt: str) -> None:
    rules = all_rules()
    if fmt == "json":
        _print_json([{"id": r.id, "severity": r.severity, "category": r.category,
                      "summary": r.summary, "fix": r.fix} for r in rules])
        return
    sys.stdout.write("".join(f"{r.id:45} {r.severity:8} {r.category:12} {r.summary}\n"
                             for r in rules))


def _emit(result: LintResult, fmt: str) -> None:
    if fmt == "text":
        from ..lint.reporters.text import write_text

        write_text(result, sys.stdout)
        return
    module: Any
    if fmt == "json":
        from ..lint.reporters import json as module
    elif fmt == "sarif":
        from ..lint.reporters import sarif as module
    elif fmt == "github":
        from ..lint.reporters import github as module
    else:
        from ..lint.reporters import gcc as module
    sys.stdout.write(module.render(result))


def _trace(paths: list[str], alembic_config: str | None, dsn: str, copy_schema: bool,
           result: LintResult, fmt: str) -> list[dict[str, Any]]:
    """Trace every input; prints the text report, returns the entries for JSON."""
    try:
        from ..lint.trace import trace_statements
    except ModuleNotFoundError:
        raise InputError("--trace is not available in this build", where="--trace") from None
    from ..lint.engine import split_statements
    from ..lint.inputs import collect_inputs, read_input

    report: list[dict[str, Any]] = []
    paint = Painter(colour_enabled(sys.stdout))
    out: list[str] = []
    for item in collect_inputs(paths, alembic_config):
        for src in read_input(item):
            stmts = split_statements(src)
            traced = trace_statements(dsn, [t for _, t in stmts], copy_schema=copy_schema)
            for (line, text), tr in zip(stmts, traced, strict=False):
                static = [f.rule for f in result.findings
                          if f.file == src.filename and f.line == line]
                locks = sorted({f"{lk.mode} on {lk.target}" for lk in tr.locks
                                if lk.locktype == "relation"})
                report.append({"file": src.filename, "line": line, "statement": text,
                               "locks": locks, "rewritten": tr.rewritten,
                               "transactional": tr.transactional, "skipped": tr.skipped,
                               "error": tr.error, "apply_error": tr.apply_error,
                               "static_findings": static})
                if fmt == "text":
                    out.extend(_trace_text(src.filename, line, text, tr, locks, static, paint))
    if fmt == "text":
        sys.stdout.write("".join(out))
    return report


def _trace_text(filename: str, line: int, text: str, tr: Any, locks: list[str],
                static: list[str], paint: Painter) -> list[str]:
    first = text.splitlines()[0][:100] if text else ""
    out = [f"{paint(f'{filename}:{line}', 'bold')} {first}\n"]
    if tr.skipped:
        out.append("    " + paint(f"skipped: {tr.skipped}", "dim") + "\n")
        return out
    if not tr.transactional:
        # PostgreSQL refused it in a transaction block, so no lock could be read: "none"
        # would claim it locks nothing (CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE).
        out.append("    locks: " + paint("not traceable in a transaction (applied in "
                                         "autocommit; see docs/lint/trace.md)", "yellow") + "\n")
    elif tr.error:
        out.append(f"    {paint('error:', 'red')} {tr.error}\n")
    else:
        out.append(f"    locks: {', '.join(locks) or 'none'}\n")
        if tr.rewritten:
            out.append(f"    {paint('rewrote:', 'bold red')} {', '.join(tr.rewritten)}\n")
    if tr.apply_error:
        out.append(f"    {paint('apply error:', 'red')} {tr.apply_error}\n")
    out.append(f"    static: {', '.join(static) or 'no findings'}\n")
    return out


@click.command("lint")
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="Output format.")
@click.option("--pg-version", type=int, default=None,
              help="Target PostgreSQL major version (default 15, or pg_version in pyproject.toml).")
@click.option("--alembic-config", metavar="FILE", default=None,
              help="alembic.ini: lint every revision of its version locations.")
@click.option("--assume-in-transaction", is_flag=True, default=None,
              help="Files without BEGIN run in one transaction (as Flyway/Liquibase/sqitch run "
                   "them). Default: each statement on its own, as psql -f does.")
@click.option("--enable", multiple=True, metavar="RULE[,RULE]", help="Turn rules on.")
@click.option("--disable", multiple=True, metavar="RULE[,RULE]", help="Turn rules off.")
@click.option("--config", "config_path", metavar="PYPROJECT", default=None,
              help="pyproject.toml to read [tool.expandcontract.lint] from (default: nearest).")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--trace", is_flag=True,
              help="Also run each statement in a rolled-back transaction on a scratch database "
                   "and report the locks taken and tables rewritten (needs --dsn).")
@click.option("--trace-copy-schema", is_flag=True,
              help="With --trace: copy the DSN database's schema (no rows) into the scratch "
                   "database first.")
@click.option("--dsn", "dsn", metavar="URL", default=None,
              help=f"PostgreSQL connection string (default: ${DSN_ENV_VAR}).")
def lint(paths: tuple[str, ...], fmt: str, pg_version: int | None, alembic_config: str | None,
         assume_in_transaction: bool | None, enable: tuple[str, ...], disable: tuple[str, ...],
         config_path: str | None, list_rules: bool, trace: bool, trace_copy_schema: bool,
         dsn: str | None) -> None:
    """Lint SQL migrations and Alembic revisions for locking and breaking DDL.

    PATHS are .sql files, directories (*.sql and Alembic versions/*.py, recursively), globs,
    or - for stdin. Exit 0 when clean, 1 when an error-level finding exists, 2 on usage or
    parse errors.
    """
    if list_rules:
        _print_rules(fmt)
        sys.exit(EXIT_OK)
    if not paths and not alembic_config:
        raise InputError("give at least one path (or - for stdin, or --alembic-config)")
    config = load_config(Path(config_path)) if config_path else load_config()
    unknown = sorted((set(config.enable) | set(config.disable) | set(config.severity))
                     - rule_ids())
    if unknown:
        raise InputError(f"unknown rule(s) in config: {', '.join(unknown)}",
                         where=config.source or "pyproject.toml")
    config = config.with_overrides(
        pg_version=pg_version, enable=_rule_list(enable, "--enable"),
        disable=_rule_list(disable, "--disable"), assume_in_transaction=assume_in_transaction)
    trace_dsn = None
    if trace:
        if fmt not in ("text", "json"):
            raise InputError("--trace reports as --format text or json", where="--format")
        from ..dsn import resolve_dsn

        trace_dsn = resolve_dsn(dsn, required=True)
    result = lint_paths(list(paths), config, alembic_config)
    if trace_dsn is None:
        _emit(result, fmt)
    elif fmt == "json":  # one document: the lint report plus "trace"
        from ..lint.reporters import json as json_reporter

        report = _trace(list(paths), alembic_config, trace_dsn, trace_copy_schema, result, fmt)
        sys.stdout.write(json_reporter.render(result, {"trace": report}))
    else:
        _emit(result, fmt)
        _trace(list(paths), alembic_config, trace_dsn, trace_copy_schema, result, fmt)
    if result.errors:
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(EXIT_FINDINGS if result.has_errors else EXIT_OK)


COMMANDS = [lint]
