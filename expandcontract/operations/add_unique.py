"""add_unique: CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction, writes continue),
then ADD CONSTRAINT ... UNIQUE USING INDEX (a catalog change, no scan), both in expand: the
index enforces uniqueness from the moment it is valid, so contract has nothing to do."""

from __future__ import annotations

from pydantic import Field

from ..errors import InputError
from ..planning.steps import Step
from ..sqltext import shown
from . import _steps as s
from ._columns import validate_target
from .base import PlanContext, TableOperation


class AddUnique(TableOperation):
    type_name = "add_unique"

    name: str = Field(min_length=1)
    columns: list[str] = Field(min_length=1)

    def summary(self) -> str:
        return f"add UNIQUE {shown(self.name)} on {self.ref.shown} ({', '.join(map(shown, self.columns))})"

    def validate_live(self, ctx: PlanContext) -> None:
        validate_target(ctx, self.ref, self.columns, self.origin)
        info = ctx.table_info(self.ref, self.origin)
        if info is not None and (self.name in info.constraints or self.name in info.indexes):
            raise InputError(f"{self.name!r} already exists on {self.ref.display!r}", where=self.origin)

    def expand(self, ctx: PlanContext) -> list[Step]:
        return [
            s.create_index(
                self.ref, self.name, ctx.physical_columns(self.ref, self.columns, self.origin),
                unique=True, index_schema=ctx.schema_of(self.ref),
            ),
            s.unique_using_index(
                self.ref, self.name, self.name, f"make index {shown(self.name)} a UNIQUE constraint (no scan)"
            ),
        ]

    def rollback(self, ctx: PlanContext) -> list[Step]:
        # Dropping the constraint drops its index too.
        return [s.drop_constraint(self.ref, self.name, "added by expand")]

    def record(self, ctx: PlanContext) -> None:
        ctx.note_used(self.ref, self.columns, self.origin)

    def notes(self, ctx: PlanContext) -> list[str]:
        return [
            "the index build fails if duplicates exist (its INVALID leftover is dropped before "
            "a retry); from expand on, duplicate writes fail for every app version"
        ]
