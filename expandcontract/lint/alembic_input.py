"""Alembic revisions as lint input: run upgrade() offline, in process, and keep the lines.

Each revision's ``upgrade()`` runs against an offline (``as_sql``) MigrationContext whose
output buffer records, for every emitted statement, the innermost stack frame that belongs
to the revision file, so a statement emitted by a helper function points at the helper's line.
Alembic runs a PostgreSQL revision inside one transaction (transactional DDL), so the
emitted SQL is wrapped in BEGIN/COMMIT; ``autocommit_block()`` emits its own COMMIT/BEGIN.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import io
import re
import sys
import tokenize
import traceback
from configparser import ConfigParser
from pathlib import Path
from types import ModuleType

from ..errors import InputError
from .engine import PHASES, SqlSource
from .model import Finding
from .rules import UNKNOWN_RULE, rule_ids

_IGNORE = re.compile(r"#\s*ec:ignore(?!-file)\s+([A-Za-z0-9_,-]+)")
_IGNORE_FILE = re.compile(r"#\s*ec:ignore-file\s+([A-Za-z0-9_,-]+)")
_PHASE = re.compile(r"#\s*ec:phase\s+(\S+)")


def versions_directories(ini: str) -> list[Path]:
    """The version directories an alembic.ini points at (script_location/versions or
    version_locations), relative to the ini file as Alembic resolves %(here)s."""
    path = Path(ini)
    if not path.is_file():
        raise InputError("no such file", where=ini)
    here = str(path.resolve().parent)
    parser = ConfigParser(defaults={"here": here})
    try:
        parser.read(path, encoding="utf-8")
    except Exception as exc:  # configparser raises several unrelated types
        raise InputError(f"cannot read alembic config: {exc}", where=ini) from None
    if not parser.has_option("alembic", "script_location"):
        raise InputError("[alembic] script_location is missing", where=ini)

    def resolve(value: str) -> Path:
        p = Path(value.strip())
        return p if p.is_absolute() else Path(here) / p

    locations = parser.get("alembic", "version_locations", fallback="")
    if locations.strip():
        sep = parser.get("alembic", "version_path_separator", fallback="")
        parts = locations.split(sep if sep and sep not in ("space", "os") else None)
        dirs = [resolve(p) for p in parts if p.strip()]
    else:
        dirs = [resolve(parser.get("alembic", "script_location")) / "versions"]
    prepend = parser.get("alembic", "prepend_sys_path", fallback="")
    for entry in prepend.split():
        full = str(resolve(entry))
        if full not in sys.path:
            sys.path.insert(0, full)
    missing = [d for d in dirs if not d.is_dir()]
    if missing:
        raise InputError(f"versions directory not found: {missing[0]}", where=ini)
    return [_relative(d) for d in dirs]


def _relative(path: Path) -> Path:
    """Shown relative to the working directory when inside it, as the user would type it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


class _Recorder(io.StringIO):
    """Output buffer that remembers which revision-file lines emitted each statement."""

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename
        self.chunks: list[tuple[str, list[int]]] = []

    def write(self, text: str) -> int:
        chunk = text.strip()
        if chunk:
            lines: list[int] = []
            frame = sys._getframe(1)
            while frame is not None:
                if frame.f_code.co_filename == self.filename:
                    lines.append(frame.f_lineno)
                frame = frame.f_back  # type: ignore[assignment]
            self.chunks.append((chunk, lines))
        return len(text)


def _load_module(path: Path, filename: str) -> ModuleType:
    name = "_ec_lint_rev_" + hashlib.sha1(filename.encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(name, filename)
    if spec is None or spec.loader is None:
        raise InputError("cannot load as a Python module", where=str(path))
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise InputError(f"Python syntax error: {exc.msg}", where=f"{path}:{exc.lineno}") from None
    except Exception as exc:
        raise InputError(f"importing the revision failed: {type(exc).__name__}: {exc}",
                         where=f"{path}:{_error_line(exc, filename)}") from None
    return module


def _error_line(exc: BaseException, filename: str) -> int:
    line = 1
    for fs in traceback.extract_tb(exc.__traceback__):
        if fs.filename == filename and fs.lineno:
            line = fs.lineno
    return line


def _statement_spans(tree: ast.AST) -> list[tuple[int, int]]:
    return [(n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree) if isinstance(n, ast.stmt)]


def _directives(path: Path, text: str) -> tuple[dict[int, set[str]], set[str], str | None,
                                                list[Finding]]:
    """Per-line ignores, file-wide ignores, declared phase and unknown-rule findings."""
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise InputError(f"Python syntax error: {exc.msg}", where=f"{path}:{exc.lineno}") from None
    spans = _statement_spans(tree)
    known = rule_ids()
    by_line: dict[int, set[str]] = {}
    file_wide: set[str] = set()
    phase: str | None = None
    findings: list[Finding] = []
    code_lines: set[int] = set()
    comments: list[tuple[int, int, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            comments.append((tok.start[0], tok.start[1], tok.string))
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                              tokenize.ENDMARKER):
            code_lines.add(tok.start[0])

    def check(rules: list[str], line: int, col: int) -> list[str]:
        good = []
        for r in rules:
            if r in known:
                good.append(r)
            else:
                findings.append(Finding(
                    rule=UNKNOWN_RULE, severity="warning", category="style",
                    message=f"ec:ignore names an unknown rule {r!r}; nothing is suppressed",
                    fix="Use a rule id from `ec lint --list-rules` (docs/lint/index.md).",
                    file=str(path), line=line, column=col + 1, statement=""))
        return good

    for line, col, comment in comments:
        m = _PHASE.search(comment)
        if m and phase is None:
            phase = m.group(1).lower()
            if phase not in PHASES:
                raise InputError(f"unknown ec:phase {m.group(1)!r} (expected expand or contract)",
                                 where=f"{path}:{line}")
        m = _IGNORE_FILE.search(comment)
        if m:
            file_wide.update(check(m.group(1).split(","), line, col))
            continue
        m = _IGNORE.search(comment)
        if not m:
            continue
        rules = check([r for r in m.group(1).split(",") if r], line, col)
        if line in code_lines:  # trailing comment: the statement on this line
            inner = [s for s in spans if s[0] <= line <= s[1]]
            span = min(inner, key=lambda s: s[1] - s[0]) if inner else (line, line)
        else:  # own line: the next statement
            after = [s for s in spans if s[0] > line]
            if not after:
                continue
            first = min(s[0] for s in after)
            span = max((s for s in after if s[0] == first), key=lambda s: s[1])
        for n in range(span[0], span[1] + 1):
            by_line.setdefault(n, set()).update(rules)
    return by_line, file_wide, phase, findings


def revision_source(path: Path) -> SqlSource:
    """Run one revision's upgrade() offline and return its SQL with origins in the file."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    filename = str(path.resolve())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", where=str(path)) from None
    by_line, file_wide, phase, findings = _directives(path, text)
    module = _load_module(path, filename)
    declared = getattr(module, "ec_phase", None)
    if isinstance(declared, str):
        if declared.lower() not in PHASES:
            raise InputError(f"unknown ec_phase {declared!r} (expected expand or contract)",
                             where=str(path))
        phase = declared.lower()
    upgrade = getattr(module, "upgrade", None)
    if not callable(upgrade):
        raise InputError("no upgrade() function: not an Alembic revision", where=str(path))
    buf = _Recorder(filename)
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buf})
    try:
        with Operations.context(context):
            upgrade()
    except Exception as exc:
        raise InputError(f"upgrade() failed in offline mode: {type(exc).__name__}: {exc}",
                         where=f"{path}:{_error_line(exc, filename)}") from None
    def_line = getattr(getattr(upgrade, "__code__", None), "co_firstlineno", 1)
    parts = ["BEGIN;\n"]
    origins: list[tuple[int, int, int, frozenset[str]]] = [(0, def_line, 1, frozenset())]
    offset = len(parts[0].encode())
    source_lines = text.splitlines()
    for chunk, lines in buf.chunks:
        line = lines[0] if lines else def_line
        col = 1
        if 0 < line <= len(source_lines):
            src_line = source_lines[line - 1]
            col = len(src_line) - len(src_line.lstrip()) + 1
        ignored: set[str] = set()
        for n in lines:
            ignored |= by_line.get(n, set())
        body = chunk if chunk.rstrip().endswith(";") else chunk + ";"
        piece = body + "\n"
        origins.append((offset, line, col, frozenset(ignored)))
        parts.append(piece)
        offset += len(piece.encode())
    end_line = len(source_lines) or 1
    origins.append((offset, end_line, 1, frozenset()))
    parts.append("COMMIT;\n")
    return SqlSource(filename=str(path), text="".join(parts), phase=phase, origins=origins,
                     file_ignores=frozenset(file_wide), extra_findings=findings)
