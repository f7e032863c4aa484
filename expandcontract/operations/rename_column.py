"""rename_column: a new column under the new name, kept in sync with the old one by a
two-way trigger while old and new app versions both run; the old column goes at contract.

A plain ``RENAME COLUMN`` would break every running old-version query at once; with a shadow
column both names work during the transition.
"""

from __future__ import annotations

from pydantic import Field

from ..errors import InputError
from ..planning.steps import Backfill, Requirement, RequirementKind, Step
from ..sqltext import ident, shown
from ._shadow import Shadow
from .base import PlanContext, Replaced, TableOperation


class RenameColumn(TableOperation):
    type_name = "rename_column"

    column: str = Field(min_length=1)
    to: str = Field(min_length=1)

    def summary(self) -> str:
        return f"rename column {shown(self.column)} of {self.ref.shown} to {shown(self.to)}"

    def validate_live(self, ctx: PlanContext) -> None:
        if self.column == self.to:
            raise InputError(f"'to' is the same name as 'column' ({self.to!r})", where=self.origin)
        ctx.column_info(self.ref, self.column, self.origin)
        ctx.refuse_replaced(
            self.ref, self.column, self.origin, "rename it in a later migration", rename_targets=True
        )
        ctx.refuse_used(self.ref, self.column, self.origin, "rename_column")
        info = ctx.table_info(self.ref, self.origin)
        if info is not None and self.to in info.columns:
            raise InputError(
                f"column {self.to!r} already exists in table {self.ref.display!r}", where=self.origin
            )

    def shadow(self, ctx: PlanContext) -> Shadow:
        # Cached per context: inspecting the catalog is a few queries.
        cache: dict[int, Shadow] = ctx.__dict__.setdefault("_ec_shadows", {})
        key = id(self)
        if key not in cache:
            info = ctx.column_info(self.ref, self.column, self.origin)
            sh = Shadow(
                table=self.ref, old=self.column, new=self.to,
                new_type=ctx.column_type(self.ref, self.column, self.origin),
                up=ident(self.column), down=ident(self.to),
                not_null=info.not_null if info is not None else None,
                default=info.default if info is not None else None,
            )
            sh.inspect(ctx, self.origin)
            cache[key] = sh
        return cache[key]

    def expand(self, ctx: PlanContext) -> list[Step]:
        return self.shadow(ctx).expand()

    def backfill(self, ctx: PlanContext) -> list[Backfill]:
        return self.shadow(ctx).backfill()

    def contract(self, ctx: PlanContext) -> list[Step]:
        return self.shadow(ctx).contract()

    def rollback(self, ctx: PlanContext) -> list[Step]:
        return self.shadow(ctx).rollback()

    def contract_requires(self) -> list[Requirement]:
        return [
            Requirement(
                RequirementKind.NOT_REFERENCED, self.ref, self.column,
                f"contract drops {shown(self.column)}; every version must use {shown(self.to)}",
            )
        ]

    def notes(self, ctx: PlanContext) -> list[str]:
        return [
            f"during the transition both {shown(self.column)} and {shown(self.to)} exist and stay equal; "
            "set expandcontract.side in the app's session to make the sync exact",
            *self.shadow(ctx).notes,
        ]

    def record(self, ctx: PlanContext) -> None:
        ctx.note_column(self.ref, self.to, ctx.column_type(self.ref, self.column, self.origin))
        ctx.note_replaced(self.ref, self.column, Replaced("rename", self.to, self.origin))
