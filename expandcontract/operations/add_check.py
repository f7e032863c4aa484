"""add_check: ADD CONSTRAINT ... CHECK NOT VALID in expand (new writes are checked at once,
existing rows are not scanned), VALIDATE CONSTRAINT at contract (a scan that does not block
reads or writes), after the backfill has had the chance to fix existing rows."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..errors import InputError
from ..planning.steps import Step
from ..sqltext import shown
from . import _steps as s
from ._columns import check_sql_text
from .base import PlanContext, TableOperation


class AddCheck(TableOperation):
    type_name = "add_check"

    name: str = Field(min_length=1)
    check: str

    @field_validator("check")
    @classmethod
    def _sql(cls, value: str) -> str:
        return check_sql_text(value)

    def summary(self) -> str:
        return f"add CHECK {shown(self.name)} ({self.check}) to {self.ref.shown}"

    def validate_live(self, ctx: PlanContext) -> None:
        info = ctx.table_info(self.ref, self.origin)
        if info is not None and self.name in info.constraints:
            raise InputError(f"constraint {self.name!r} already exists on {self.ref.display!r}", where=self.origin)

    def expand(self, ctx: PlanContext) -> list[Step]:
        # On the shadow of a column whose type an earlier operation changes: it takes the
        # column's name at contract, and the constraint goes with it.
        return [s.add_check_not_valid(self.ref, self.name, ctx.physical_expr(self.ref, self.check, self.origin))]

    def contract(self, ctx: PlanContext) -> list[Step]:
        return [s.validate_constraint(self.ref, self.name)]

    def rollback(self, ctx: PlanContext) -> list[Step]:
        return [s.drop_constraint(self.ref, self.name, "added by expand")]

    def record(self, ctx: PlanContext) -> None:
        ctx.note_used(self.ref, ctx.expr_columns(self.ref, self.check, self.origin), self.origin)

    def notes(self, ctx: PlanContext) -> list[str]:
        return ["from expand on, every insert and update must satisfy the check (old versions too)"]
