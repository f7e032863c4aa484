"""What a rule is: an id, a severity, a category, the fix, the node types it looks at, a check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model import Category, Severity

if TYPE_CHECKING:
    from ..context import FileContext
    from ..statement import Statement

Node = dict[str, Any]


@dataclass(frozen=True)
class Hit:
    """What a check reports; the engine turns it into a Finding with file and position."""

    message: str
    fix: str | None = None  # overrides the rule's default fix
    severity: Severity | None = None  # overrides the rule's severity (phase, version)
    location: int | None = None  # byte offset of a more precise place than the statement


CheckFn = Callable[["FileContext", "Statement", Node], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    category: Category
    summary: str  # one line for the rules table
    fix: str  # the safe alternative
    # Node keys the check is called for: a statement type ("IndexStmt"), an ALTER TABLE
    # sub-command ("AT_AddColumn") with the AlterTableCmd as node, or "*" for every statement.
    on: tuple[str, ...]
    check: CheckFn
    default_enabled: bool = True
