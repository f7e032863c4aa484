"""A migration: a name and an ordered list of operations, from a file or from SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..operations.base import Operation


@dataclass
class Migration:
    name: str
    operations: list[Operation]
    description: str = ""
    source: Path | None = None
    # Things the loader wants the user to know (e.g. SQL kept as raw SQL, and why).
    notes: list[str] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name}
        if self.description:
            doc["description"] = self.description
        doc["operations"] = [op.to_document() for op in self.operations]
        return doc
