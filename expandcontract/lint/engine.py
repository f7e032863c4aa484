"""The lint engine: parse once with pglast, walk statements with file context, run rules.

Public API:
    lint_text(sql, filename="<stdin>", config=None, phase=None) -> list[Finding]
    lint_paths(paths, config=None, alembic_config=None) -> LintResult
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from pglast.parser import ParseError, parse_sql_json

from ..errors import InputError
from .config import LintConfig
from .context import FileContext, SchemaModel
from .locks import lock_of
from .model import Finding, LintError, LintResult, Severity
from .rules import UNKNOWN_RULE, Rule, all_rules, rule_ids
from .statement import Statement

PHASES = ("expand", "contract")
SNIPPET_MAX = 500

_TRIVIA_STR = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_TRIVIA_BYTES = re.compile(rb"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)
_IGNORE = re.compile(r"--\s*ec:ignore(?!-file)\s+([A-Za-z0-9_,-]+)[ \t]*([^\n]*)")
_IGNORE_FILE = re.compile(r"--\s*ec:ignore-file\s+([A-Za-z0-9_,-]+)")
_PHASE = re.compile(r"^[ \t]*--\s*ec:phase\s+(\S+)", re.M)


class LintParseError(InputError):
    """A statement PostgreSQL's parser rejects; names file:line."""


@dataclass
class Dispatch:
    """Rules compiled by node key so each statement only meets the rules that look at it."""

    by_key: dict[str, list[tuple[Rule, Severity]]]
    every: list[tuple[Rule, Severity]]

    @classmethod
    def build(cls, config: LintConfig) -> Dispatch:
        by_key: dict[str, list[tuple[Rule, Severity]]] = {}
        every: list[tuple[Rule, Severity]] = []
        for rule in all_rules():
            if not config.is_enabled(rule.id, rule.default_enabled):
                continue
            entry = (rule, config.severity_of(rule.id, rule.severity))
            for key in rule.on:
                if key == "*":
                    every.append(entry)
                else:
                    by_key.setdefault(key, []).append(entry)
        return cls(by_key, every)


@dataclass
class SqlSource:
    """SQL text to lint, with how its positions map back to the file the user wrote."""

    filename: str
    text: str
    phase: str | None = None
    # Alembic: (byte offset in text, file line, file column, rules ignored) of each emitted
    # chunk, sorted by offset; positions then point into the revision file.
    origins: list[tuple[int, int, int, frozenset[str]]] | None = None
    file_ignores: frozenset[str] = frozenset()
    extra_findings: list[Finding] = field(default_factory=list)
    implicit_transaction: bool | None = None  # None: the config's assume_in_transaction


def _rules_list(text: str) -> list[str]:
    return [r for r in text.split(",") if r]


class _Positions:
    """Byte offset -> (line, column) over the parsed text; columns count characters."""

    def __init__(self, raw: str | bytes) -> None:
        self.raw = raw
        nl: str | bytes = "\n" if isinstance(raw, str) else b"\n"
        starts = [0]
        find = raw.find
        i = find(nl)  # type: ignore[arg-type]
        while i >= 0:
            starts.append(i + 1)
            i = find(nl, i + 1)  # type: ignore[arg-type]
        self.starts = starts

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        start = self.starts[line - 1]
        if isinstance(self.raw, bytes):
            return line, len(self.raw[start:offset].decode(errors="replace")) + 1
        return line, offset - start + 1


def lint_source(src: SqlSource, config: LintConfig, dispatch: Dispatch | None = None,
                schema: SchemaModel | None = None) -> tuple[list[Finding], int]:
    """Lint one SQL text; returns (findings, number of statements). Raises LintParseError."""
    dispatch = dispatch or Dispatch.build(config)
    text = src.text
    raw: str | bytes = text if text.isascii() else text.encode()
    trivia = _TRIVIA_STR if isinstance(raw, str) else _TRIVIA_BYTES
    positions = _Positions(raw)
    findings: list[Finding] = [f for f in src.extra_findings
                               if f.rule != UNKNOWN_RULE or config.is_enabled(UNKNOWN_RULE)]
    known = rule_ids()

    origin_keys = [o[0] for o in src.origins] if src.origins else []

    def origin(offset: int) -> tuple[int, int, int, frozenset[str]] | None:
        if not src.origins:
            return None
        return src.origins[max(bisect_right(origin_keys, offset) - 1, 0)]

    def file_pos(offset: int) -> tuple[int, int]:
        o = origin(offset)
        return positions.at(offset) if o is None else (o[1], o[2])

    try:
        parsed = json.loads(parse_sql_json(text))
    except ParseError as exc:
        # pglast: ParseError(message, 1-based character position)
        pos = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 1
        loc = max(pos - 1, 0)
        byte_loc = loc if isinstance(raw, str) else len(text[:loc].encode())
        line, _ = file_pos(byte_loc)
        raise LintParseError(f"syntax error: {exc.args[0] if exc.args else exc}",
                             where=f"{src.filename}:{line}") from None

    report_unknown = config.is_enabled(UNKNOWN_RULE)

    def directive_finding(rule: str, offset: int) -> None:
        if not report_unknown:
            return
        line, col = file_pos(offset)
        findings.append(Finding(
            rule=UNKNOWN_RULE, severity="warning", category="style",
            message=f"ec:ignore names an unknown rule {rule!r}; nothing is suppressed",
            fix="Use a rule id from `ec lint --list-rules` (docs/lint/index.md).",
            file=src.filename, line=line, column=col, statement=""))

    file_ignores = set(src.file_ignores)
    phase = src.phase
    if "ec:" in text:
        for m in _IGNORE_FILE.finditer(text):
            for r in _rules_list(m.group(1)):
                if r in known:
                    file_ignores.add(r)
                else:
                    directive_finding(r, len(text[: m.start()].encode()))
        if phase is None:
            pm = _PHASE.search(text)
            if pm:
                phase = pm.group(1).lower()
                if phase not in PHASES:
                    line, _ = file_pos(len(text[: pm.start()].encode()))
                    raise InputError(f"unknown ec:phase {pm.group(1)!r} (expected expand or "
                                     "contract)", where=f"{src.filename}:{line}")

    stmts = parsed.get("stmts") or []
    has_tx = any("TransactionStmt" in s.get("stmt", {}) for s in stmts)
    implicit = (src.implicit_transaction if src.implicit_transaction is not None
                else config.assume_in_transaction) and not has_tx
    ctx = FileContext(pg_version=config.pg_version, phase=phase, implicit_transaction=implicit,
                      schema=schema if schema is not None else SchemaModel())
    by_key, every = dispatch.by_key, dispatch.every
    n_raw = len(raw)
    prev_end = 0
    for index, entry in enumerate(stmts):
        ((kind, node),) = entry["stmt"].items()
        loc = entry.get("stmt_location", 0)
        length = entry.get("stmt_len", 0)
        end = loc + length if length else n_raw
        start = trivia.match(raw, loc).end()  # type: ignore[arg-type,union-attr]
        body = raw[start:end]
        body_text = body if isinstance(body, str) else body.decode(errors="replace")
        ignored: set[str] = set(file_ignores)
        # Comments before a statement (ec:ignore) lie between the previous one's end and it.
        gap = raw[prev_end:start]
        prev_end = end
        gap_text = gap if isinstance(gap, str) else gap.decode(errors="replace")
        if "ec:" in gap_text:
            for dm in _IGNORE.finditer(gap_text):
                for r in _rules_list(dm.group(1)):
                    if r in known:
                        ignored.add(r)
                    else:
                        directive_finding(r, start - len(gap_text[dm.start():].encode()))
        line, col = file_pos(start)
        if src.origins:
            o = origin(start)
            if o is not None:
                ignored |= o[3]
        stmt = Statement(index=index, kind=kind, node=node, text=body_text.strip(),
                         byte_start=start, line=line, column=col,
                         lock=lock_of(kind, node, config.pg_version), ignored=frozenset(ignored))
        targets: list[tuple[Rule, Severity, dict]] = [(ru, sv, node) for ru, sv in every]
        targets.extend((ru, sv, node) for ru, sv in by_key.get(kind, ()))
        if kind == "AlterTableStmt":
            for cmd in node.get("cmds") or ():
                c = cmd.get("AlterTableCmd")
                if c is not None:
                    for ru, sv in by_key.get(c.get("subtype", ""), ()):
                        targets.append((ru, sv, c))
        for rule, severity, target in targets:
            if rule.id in stmt.ignored:
                continue
            for hit in rule.check(ctx, stmt, target):
                if hit.location is not None and hit.location >= 0:
                    f_line, f_col = file_pos(hit.location)
                else:
                    f_line, f_col = line, col
                sev = hit.severity if hit.severity is not None else severity
                findings.append(Finding(
                    rule=rule.id, severity=sev, message=hit.message,
                    fix=hit.fix or rule.fix, file=src.filename, line=f_line, column=f_col,
                    statement=_snippet(stmt.text), category=rule.category))
        ctx.update(stmt)
    findings.sort(key=lambda f: (f.line, f.column))
    return findings, len(stmts)


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET_MAX else text[: SNIPPET_MAX - 3] + "..."


def lint_text(sql: str, filename: str = "<stdin>", config: LintConfig | None = None,
              phase: str | None = None) -> list[Finding]:
    """Lint one SQL text. ``phase`` overrides an ``-- ec:phase`` comment. Raises InputError."""
    if phase is not None and phase not in PHASES:
        raise InputError(f"unknown phase {phase!r} (expected expand or contract)")
    findings, _ = lint_source(SqlSource(filename=filename, text=sql, phase=phase),
                              config or LintConfig())
    return findings


def lint_paths(paths: Sequence[str], config: LintConfig | None = None,
               alembic_config: str | None = None) -> LintResult:
    """Lint files, directories, globs, "-" (stdin) and Alembic revisions, in sorted order.

    Files that cannot be linted are recorded in ``errors`` and the others still run.
    """
    from .inputs import collect_inputs, read_input

    config = config or LintConfig()
    dispatch = Dispatch.build(config)
    schema = SchemaModel()
    result = LintResult()
    inputs = collect_inputs(list(paths), alembic_config)
    for item in inputs:
        result.files.append(item.display)
        try:
            sources = read_input(item)
            for src in sources:
                findings, count = lint_source(src, config, dispatch, schema)
                result.findings.extend(findings)
                result.statements += count
        except InputError as exc:
            where, _, line = (exc.where or item.display).rpartition(":")
            message = " ".join(exc.message.split())  # one line, whatever the exception said
            if where and line.isdigit():
                result.errors.append(LintError(where, int(line), message))
            else:
                result.errors.append(LintError(exc.where or item.display, None, message))
    return result


def split_statements(src: SqlSource) -> list[tuple[int, str]]:
    """(file line, statement text) of every statement, as lint sees them (for --trace)."""
    text = src.text
    raw: str | bytes = text if text.isascii() else text.encode()
    trivia = _TRIVIA_STR if isinstance(raw, str) else _TRIVIA_BYTES
    positions = _Positions(raw)
    keys = [o[0] for o in src.origins] if src.origins else []
    try:
        stmts = json.loads(parse_sql_json(text)).get("stmts") or []
    except ParseError as exc:
        raise LintParseError(f"syntax error: {exc}", where=src.filename) from None
    out = []
    for entry in stmts:
        loc = entry.get("stmt_location", 0)
        length = entry.get("stmt_len", 0)
        end = loc + length if length else len(raw)
        start = trivia.match(raw, loc).end()  # type: ignore[arg-type,union-attr]
        body = raw[start:end]
        body_text = body if isinstance(body, str) else body.decode(errors="replace")
        if src.origins:
            line = src.origins[max(bisect_right(keys, start) - 1, 0)][1]
        else:
            line = positions.at(start)[0]
        out.append((line, body_text.strip()))
    return out
