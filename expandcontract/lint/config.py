"""Lint configuration: ``[tool.expandcontract.lint]`` in pyproject.toml, then CLI flags.

```toml
[tool.expandcontract.lint]
pg_version = 15
disable = ["prefer-text"]
enable = []                       # turns back on rules disabled by default or above
severity = { "require-lock-timeout" = "error" }
assume_in_transaction = false
```
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from .model import SEVERITIES, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_PG_VERSION = 15
MIN_PG_VERSION = 9


@dataclass(frozen=True)
class LintConfig:
    pg_version: int = DEFAULT_PG_VERSION
    enable: frozenset[str] = frozenset()
    disable: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    # A file without BEGIN is run by a migration tool inside one transaction (Flyway,
    # Liquibase, sqitch, ... do this). Off by default: psql -f runs each statement on its own.
    assume_in_transaction: bool = False
    source: str | None = None  # the pyproject.toml it came from, for messages

    def with_overrides(
        self,
        *,
        pg_version: int | None = None,
        enable: list[str] | tuple[str, ...] = (),
        disable: list[str] | tuple[str, ...] = (),
        assume_in_transaction: bool | None = None,
    ) -> LintConfig:
        """CLI flags win over the file: --enable undoes a configured disable and vice versa."""
        en = (set(self.enable) - set(disable)) | set(enable)
        dis = (set(self.disable) - set(enable)) | set(disable)
        return replace(
            self,
            pg_version=_check_version(pg_version, "--pg-version") if pg_version else self.pg_version,
            enable=frozenset(en),
            disable=frozenset(dis),
            assume_in_transaction=(
                self.assume_in_transaction if assume_in_transaction is None
                else assume_in_transaction
            ),
        )

    def is_enabled(self, rule_id: str, default: bool = True) -> bool:
        if rule_id in self.disable:
            return False
        return default or rule_id in self.enable

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        return self.severity.get(rule_id, default)


def _check_version(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_PG_VERSION or value > 99:
        raise InputError(f"pg_version must be a PostgreSQL major version like 15, got {value!r}",
                         where=where)
    return value


def _str_list(value: object, key: str, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{key} must be a list of rule ids", where=where)
    return frozenset(value)


def from_table(table: dict[str, Any], where: str) -> LintConfig:
    """Build a config from the ``[tool.expandcontract.lint]`` table; unknown keys are errors."""
    known = {"pg_version", "enable", "disable", "severity", "assume_in_transaction"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(f"unknown key(s) in [tool.expandcontract.lint]: {', '.join(unknown)}",
                         where=where)
    severity: dict[str, Severity] = {}
    raw_sev = table.get("severity", {})
    if not isinstance(raw_sev, dict):
        raise InputError("severity must be a table of rule id = \"error\"|\"warning\"|\"info\"",
                         where=where)
    for rule_id, sev in raw_sev.items():
        if sev not in SEVERITIES:
            raise InputError(f"severity of {rule_id} must be one of {', '.join(SEVERITIES)}, "
                             f"got {sev!r}", where=where)
        severity[rule_id] = sev
    assume = table.get("assume_in_transaction", False)
    if not isinstance(assume, bool):
        raise InputError("assume_in_transaction must be true or false", where=where)
    return LintConfig(
        pg_version=_check_version(table.get("pg_version", DEFAULT_PG_VERSION), where),
        enable=_str_list(table.get("enable", []), "enable", where),
        disable=_str_list(table.get("disable", []), "disable", where),
        severity=severity,
        assume_in_transaction=assume,
        source=where,
    )


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml from ``start`` (default: cwd) upwards."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> LintConfig:
    """Load from an explicit pyproject.toml or the nearest one; defaults when there is none."""
    pyproject = path or find_pyproject(start)
    if pyproject is None:
        return LintConfig()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", where=str(pyproject)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", where=str(pyproject)) from None
    table = data.get("tool", {}).get("expandcontract", {}).get("lint")
    if table is None:
        return LintConfig(source=str(pyproject))
    if not isinstance(table, dict):
        raise InputError("[tool.expandcontract.lint] must be a table", where=str(pyproject))
    return from_table(table, str(pyproject))
