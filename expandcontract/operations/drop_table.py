"""drop_table: nothing happens before contract; contract drops the table once no live app
version uses it. Rollback (of expand) has nothing to undo."""

from __future__ import annotations

from ..planning.steps import Lock, Requirement, RequirementKind, Step
from . import _steps as s
from ._columns import referenced_tables
from .base import PlanContext, TableOperation


class DropTable(TableOperation):
    type_name = "drop_table"

    def summary(self) -> str:
        return f"drop table {self.ref.shown}"

    def validate_live(self, ctx: PlanContext) -> None:
        ctx.table_info(self.ref, self.origin)

    def contract(self, ctx: PlanContext) -> list[Step]:
        return [
            Step(
                sql=f"DROP TABLE IF EXISTS {self.ref.sql}",
                description=f"drop table {self.ref.shown}",
                lock=Lock.ACCESS_EXCLUSIVE,
                guard=f"SELECT {self.ref.regclass} IS NULL",
                table=self.ref,
                also_locks=s.fk_drop_locks(referenced_tables(ctx, self.ref), self.ref),
            )
        ]

    def contract_requires(self) -> list[Requirement]:
        return [
            Requirement(
                RequirementKind.TABLE_NOT_REFERENCED, self.ref, None,
                f"contract drops table {self.ref.shown}",
            )
        ]

    def notes(self, ctx: PlanContext) -> list[str]:
        return ["without CASCADE: contract fails (and changes nothing) if views or foreign keys "
                "of other tables still depend on the table"]
