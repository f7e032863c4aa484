"""One parsed statement with its place in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .locks import Lock


@dataclass
class Statement:
    index: int
    kind: str  # parse node type, e.g. "AlterTableStmt"
    node: dict[str, Any]
    text: str
    byte_start: int  # pglast locations are byte offsets into the parsed text
    line: int
    column: int
    lock: Lock | None = None
    ignored: frozenset[str] = field(default_factory=frozenset)
