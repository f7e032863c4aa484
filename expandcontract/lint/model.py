"""The values lint produces: findings, per-run results, and the small enums they use."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
Category = Literal["locking", "breaking", "transaction", "style"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
CATEGORIES: tuple[Category, ...] = ("locking", "breaking", "transaction", "style")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One rule violation at one place in one file."""

    rule: str
    severity: Severity
    message: str
    fix: str
    file: str
    line: int
    column: int
    statement: str
    category: Category

    def to_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies and was a third of --format json's time.
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "fix": self.fix, "file": self.file, "line": self.line, "column": self.column,
                "statement": self.statement, "category": self.category}


@dataclass(frozen=True)
class LintError:
    """A file that could not be linted (parse error, unreadable, failing Alembic revision)."""

    file: str
    line: int | None
    message: str

    def one_line(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LintResult:
    """Everything one ``lint_paths`` run produced."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    statements: int = 0
    errors: list[LintError] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out
