"""add_foreign_key: ADD CONSTRAINT ... FOREIGN KEY NOT VALID in expand (SHARE ROW EXCLUSIVE
on both tables, briefly; no scan), VALIDATE CONSTRAINT at contract (SHARE UPDATE EXCLUSIVE on
the table, ROW SHARE on the referenced one: reads and writes continue)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ..errors import InputError
from ..planning.steps import Lock, Step, TableRef
from ..sqltext import shown
from . import _steps as s
from ._columns import ForeignKeyTargets, validate_referenced, validate_target
from .base import PlanContext, TableOperation

Action = Literal["no action", "restrict", "cascade", "set null", "set default"]


class AddForeignKey(TableOperation):
    type_name = "add_foreign_key"

    name: str = Field(min_length=1)
    columns: list[str] = Field(min_length=1)
    references: ForeignKeyTargets
    on_delete: Action | None = None
    on_update: Action | None = None

    @model_validator(mode="after")
    def _arity(self) -> AddForeignKey:
        if len(self.columns) != len(self.references.columns):
            raise ValueError(
                f"{len(self.columns)} columns reference {len(self.references.columns)} columns"
            )
        return self

    def summary(self) -> str:
        return (
            f"add foreign key {shown(self.name)} on {self.ref.shown} ({', '.join(map(shown, self.columns))}) -> "
            f"{self.references.ref.shown} ({', '.join(map(shown, self.references.columns))})"
        )

    def validate_live(self, ctx: PlanContext) -> None:
        validate_target(ctx, self.ref, self.columns, self.origin)
        validate_referenced(ctx, self.references.ref, self.references.columns, self.origin)
        info = ctx.table_info(self.ref, self.origin)
        if info is not None and self.name in info.constraints:
            raise InputError(f"constraint {self.name!r} already exists on {self.ref.display!r}", where=self.origin)

    def expand(self, ctx: PlanContext) -> list[Step]:
        return [
            s.foreign_key_not_valid(
                self.ref, self.name, ctx.physical_columns(self.ref, self.columns, self.origin),
                self.references.ref, self.references.columns,
                f"add foreign key {shown(self.name)} NOT VALID (new writes checked, no scan)",
                on_delete=self.on_delete, on_update=self.on_update,
            )
        ]

    def contract(self, ctx: PlanContext) -> list[Step]:
        return [
            s.validate_constraint(
                self.ref, self.name, also_locks=((self.references.ref, Lock.ROW_SHARE),)
            )
        ]

    def rollback(self, ctx: PlanContext) -> list[Step]:
        return [
            s.drop_constraint(self.ref, self.name, "added by expand", references=[self.references.ref])
        ]

    def record(self, ctx: PlanContext) -> None:
        ctx.note_used(self.ref, self.columns, self.origin)
        ctx.note_used(self.references.ref, self.references.columns, self.origin)

    def tables(self) -> list[TableRef]:
        return [self.ref, self.references.ref]
