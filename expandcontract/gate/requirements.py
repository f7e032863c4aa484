"""Does a manifest meet what contract requires of every live app version?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..planning.steps import Requirement, RequirementKind
from .manifest import STAR, Manifest


@dataclass(frozen=True)
class Violation:
    requirement: Requirement
    why: str  # e.g. "reads orders.old_customer_ref"

    def to_json(self) -> dict[str, Any]:
        return {"requirement": self.requirement.describe(), "why": self.why}


def violations(manifest: Manifest, requirements: list[Requirement]) -> list[Violation]:
    found: list[Violation] = []
    for req in requirements:
        why = _violates(manifest, req)
        if why:
            found.append(Violation(req, why))
    return found


def _violates(manifest: Manifest, req: Requirement) -> str | None:
    entries = manifest.find(req.table.name, req.table.schema)
    if req.kind is RequirementKind.TABLE_NOT_REFERENCED:
        return f"uses table {entries[0][0]}" if entries else None
    column = req.column or ""
    for key, use in entries:
        if req.kind is RequirementKind.NOT_REFERENCED:
            for verb, cols in (("reads", use.reads), ("writes", use.writes),
                               ("inserts", use.inserts or set())):
                if column in cols:
                    return f"{verb} {key}.{column}"
                if STAR in cols:
                    return f"{verb} {key}.* (every column, {column} included)"
        elif req.kind is RequirementKind.WRITES:
            inserted = use.insert_columns()
            if inserted and column not in inserted and STAR not in inserted:
                return f"inserts into {key} without {column}"
    return None
