"""rename_table: expand renames the table and creates an automatically updatable view under
the old name (SELECT * of the renamed table), in one transaction; old app versions keep
reading and writing through the view. Contract drops the view.

Chosen over a copy of the table kept in sync by triggers: no data is copied, nothing to
backfill, and the rename is a catalog change. The view's column list is fixed when it is
created: columns added to the table later are not visible under the old name.
"""

from __future__ import annotations

from pydantic import Field

from ..errors import InputError
from ..planning.steps import Lock, Requirement, RequirementKind, Step, TableRef
from ..sqltext import ident, shown
from . import _guards as g
from .base import PlanContext, TableOperation


class RenameTable(TableOperation):
    type_name = "rename_table"

    to: str = Field(min_length=1)

    @property
    def new_ref(self) -> TableRef:
        return TableRef(self.to, self.schema_)

    def summary(self) -> str:
        return f"rename table {self.ref.shown} to {shown(self.to)}"

    def validate_live(self, ctx: PlanContext) -> None:
        if self.to == self.table:
            raise InputError(f"'to' is the same name as 'table' ({self.to!r})", where=self.origin)
        ctx.table_info(self.ref, self.origin)
        if ctx.catalog is not None and ctx.catalog.conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (self.new_ref.sql,)
        ).fetchone() == (True,):
            raise InputError(f"relation {self.new_ref.display!r} already exists", where=self.origin)

    def _view_guard(self) -> str:
        return g.relation_kind(self.ref, "v")

    def expand(self, ctx: PlanContext) -> list[Step]:
        return [
            Step(
                sql=(
                    f"ALTER TABLE {self.ref.sql} RENAME TO {ident(self.to)};\n"
                    f"CREATE VIEW {self.ref.sql} AS SELECT * FROM {self.new_ref.sql}"
                ),
                description=(
                    f"rename {self.ref.shown} to {shown(self.to)} and leave an updatable view under the "
                    "old name, in one transaction (catalog only)"
                ),
                lock=Lock.ACCESS_EXCLUSIVE,
                guard=g.all_of(self._view_guard(), g.relation_kind(self.new_ref, "rp")),
                table=self.ref,
            )
        ]

    def contract(self, ctx: PlanContext) -> list[Step]:
        return [
            Step(
                sql=f"DROP VIEW IF EXISTS {self.ref.sql}",
                description=f"drop the compatibility view {self.ref.shown}",
                lock=Lock.ACCESS_EXCLUSIVE,
                guard=f"SELECT {self.ref.regclass} IS NULL",
                table=self.ref,
            )
        ]

    def rollback(self, ctx: PlanContext) -> list[Step]:
        return [
            Step(
                sql=(
                    f"DROP VIEW IF EXISTS {self.ref.sql};\n"
                    f"ALTER TABLE {self.new_ref.sql} RENAME TO {ident(self.table)}"
                ),
                description=f"drop the view and give the table back its name {shown(self.table)}",
                lock=Lock.ACCESS_EXCLUSIVE,
                guard=g.all_of(g.relation_kind(self.ref, "rp"), f"SELECT {self.new_ref.regclass} IS NULL"),
                table=self.new_ref,
            )
        ]

    def contract_requires(self) -> list[Requirement]:
        return [
            Requirement(
                RequirementKind.TABLE_NOT_REFERENCED, self.ref, None,
                f"contract drops the view {self.ref.shown}; every version must use {shown(self.to)}",
            )
        ]

    def tables(self) -> list[TableRef]:
        return [self.ref]

    def notes(self, ctx: PlanContext) -> list[str]:
        return [
            f"old versions use the view {self.ref.shown}: it shows the columns the table has at "
            "expand time; INSERT/UPDATE/DELETE pass through to the table (defaults apply)"
        ]
