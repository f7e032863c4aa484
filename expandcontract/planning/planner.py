"""Build a Plan: every operation's contribution to expand, backfill and contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog import Catalog
from ..operations.base import PlanContext
from ..planning.steps import Backfill, OperationPlan, Requirement, Step, TableRef
from .model import Migration

PLAN_FORMAT_VERSION = 1


@dataclass
class TableSize:
    table: str
    est_rows: int | None  # None: never analyzed, no estimate
    total_bytes: int


@dataclass
class Plan:
    migration: Migration
    operations: list[OperationPlan]
    sizes: dict[TableRef, TableSize] = field(default_factory=dict)
    live: bool = False

    @property
    def expand(self) -> list[Step]:
        return [s for op in self.operations for s in op.expand]

    @property
    def backfill(self) -> list[Backfill]:
        return [b for op in self.operations for b in op.backfill]

    @property
    def contract(self) -> list[Step]:
        return [s for op in self.operations for s in op.contract]

    @property
    def rollback(self) -> list[Step]:
        # Undo in reverse operation order.
        return [s for op in reversed(self.operations) for s in op.rollback]

    @property
    def requirements(self) -> list[Requirement]:
        return [r for op in self.operations for r in op.requires]

    def to_json(self) -> dict[str, Any]:
        def size(ref: TableRef | None) -> dict[str, int | None] | None:
            s = self.sizes.get(ref) if ref else None
            return {"est_rows": s.est_rows, "total_bytes": s.total_bytes} if s else None

        def step_json(op: OperationPlan, step: Step) -> dict[str, Any]:
            return {"operation": op.index, **step.to_json(), "table_size": size(step.table)}

        def backfill_json(op: OperationPlan, bf: Backfill) -> dict[str, Any]:
            return {"operation": op.index, **bf.to_json(), "table_size": size(bf.table)}

        return {
            "format_version": PLAN_FORMAT_VERSION,
            "migration": self.migration.name,
            "source": str(self.migration.source) if self.migration.source else None,
            "validated_against_database": self.live,
            "operations": [
                {"index": op.index, "type": op.type, "summary": op.summary, "notes": op.notes}
                for op in self.operations
            ],
            "phases": {
                "expand": [step_json(op, s) for op in self.operations for s in op.expand],
                "backfill": [backfill_json(op, b) for op in self.operations for b in op.backfill],
                "contract": [step_json(op, s) for op in self.operations for s in op.contract],
            },
            "rollback": [
                step_json(op, s) for op in reversed(self.operations) for s in op.rollback
            ],
            "contract_requires": [
                {"operation": op.index, **r.to_json()} for op in self.operations for r in op.requires
            ],
            "notes": list(self.migration.notes),
        }


def build_plan(migration: Migration, catalog: Catalog | None = None, *, pg_version: int = 15) -> Plan:
    """Validate every operation (against the catalog when given) and collect its steps."""
    ctx = PlanContext(catalog, pg_version=pg_version)
    ops: list[OperationPlan] = []
    for index, op in enumerate(migration.operations):
        op.validate_live(ctx)
        ops.append(
            OperationPlan(
                index=index,
                type=op.type_name,
                summary=op.summary(),
                expand=op.expand(ctx),
                backfill=op.backfill(ctx),
                contract=op.contract(ctx),
                rollback=op.rollback(ctx),
                requires=op.contract_requires(),
                notes=op.notes(ctx),
            )
        )
        op.record(ctx)
    plan = Plan(migration, ops, live=catalog is not None)
    if catalog is not None:
        for op in migration.operations:
            for ref in op.tables():
                info = catalog.table(ref)
                if info is not None and info.sized and ref not in plan.sizes:
                    plan.sizes[ref] = TableSize(info.display, info.est_rows, info.total_bytes)
    return plan
