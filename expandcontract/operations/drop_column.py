"""drop_column: nothing destructive before contract. Expand only makes sure app versions
that no longer write the column can still insert (a ``down`` fill trigger, or dropping NOT
NULL when there is no ``down``); contract drops the column once nobody references it."""

from __future__ import annotations

from pydantic import Field, field_validator

from ..planning.steps import Lock, Requirement, RequirementKind, Step
from ..sqltext import ident, shown
from . import _guards as g
from . import _steps as s
from . import _sync
from ._columns import check_sql_text, referenced_tables
from .base import PlanContext, TableOperation


class DropColumn(TableOperation):
    type_name = "drop_column"

    column: str = Field(min_length=1)
    down: str | None = None

    @field_validator("down")
    @classmethod
    def _down(cls, value: str | None) -> str | None:
        return None if value is None else check_sql_text(value)

    @property
    def fill_name(self) -> str:
        return _sync.object_name("fill", self.ref, self.column)

    def summary(self) -> str:
        return f"drop column {shown(self.column)} from {self.ref.shown}"

    def validate_live(self, ctx: PlanContext) -> None:
        ctx.column_info(self.ref, self.column, self.origin)
        ctx.refuse_replaced(
            self.ref, self.column, self.origin, "drop the column without changing its type"
        )

    def _not_null(self, ctx: PlanContext) -> bool | None:
        """Whether the column is NOT NULL now (None: planned without a database)."""
        info = ctx.column_info(self.ref, self.column, self.origin)
        return None if info is None else info.not_null

    def _drops_not_null(self, ctx: PlanContext) -> bool:
        # Known only with a live catalog; without one the plan says so in its notes.
        return self.down is None and self._not_null(ctx) is True

    def expand(self, ctx: PlanContext) -> list[Step]:
        if self.down is not None:
            body = _sync.fill_body(self.ref, self.column, self.down, skip_side="old")
            return _sync.install_steps(self.ref, self.fill_name, body, f"fill {shown(self.column)} from down")
        if self._drops_not_null(ctx):
            return [
                Step(
                    sql=f"ALTER TABLE {self.ref.sql} ALTER COLUMN {ident(self.column)} DROP NOT NULL",
                    description=(
                        f"drop NOT NULL on {shown(self.column)} so versions that no longer write it "
                        "can insert (catalog only)"
                    ),
                    lock=Lock.ACCESS_EXCLUSIVE,
                    guard=g.column_nullable(self.ref, self.column),
                    table=self.ref,
                )
            ]
        return []

    def contract(self, ctx: PlanContext) -> list[Step]:
        steps: list[Step] = []
        if self.down is not None:
            steps += _sync.remove_steps(self.ref, self.fill_name)
        steps.append(
            s.drop_column(self.ref, self.column, references=referenced_tables(ctx, self.ref, self.column))
        )
        return steps

    def rollback(self, ctx: PlanContext) -> list[Step]:
        if self.down is not None:
            return _sync.remove_steps(self.ref, self.fill_name)
        if self._drops_not_null(ctx):
            return s.restore_not_null(self.ref, self.column)
        return []

    def contract_requires(self) -> list[Requirement]:
        return [
            Requirement(
                RequirementKind.NOT_REFERENCED, self.ref, self.column,
                f"contract drops {shown(self.column)}",
            )
        ]

    def notes(self, ctx: PlanContext) -> list[str]:
        if self.down is None and self._not_null(ctx) is None:
            return [
                f"planned without a database: if {shown(self.column)} is NOT NULL, the plan made with "
                "--dsn (the one expand runs) also drops NOT NULL in expand, since no down is given"
            ]
        if self._drops_not_null(ctx):
            return [
                f"{shown(self.column)} is NOT NULL and has no down: expand drops NOT NULL so versions "
                "that no longer write it can insert; rollback restores it (validated check, then SET NOT NULL without a scan)"
            ]
        return []
