"""create_table: a new table is invisible to running app versions, so everything (keys,
constraints, inline foreign keys) is created at once in expand; rollback drops it."""

from __future__ import annotations

from pydantic import Field, model_validator

from ..errors import InputError
from ..planning.steps import Lock, Step, TableRef
from ..sqltext import ident, shown
from . import _guards as g
from . import _steps as s
from ._columns import TableColumnDef, validate_referenced, validate_type
from .base import PlanContext, TableOperation


class CreateTable(TableOperation):
    type_name = "create_table"

    columns: list[TableColumnDef] = Field(min_length=1)
    primary_key: list[str] | None = None

    @model_validator(mode="after")
    def _keys(self) -> CreateTable:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate column {dupes[0]!r}")
        if self.primary_key is not None:
            if any(c.primary_key for c in self.columns):
                raise ValueError("use either primary_key on the table or on columns, not both")
            for key in self.primary_key:
                if key not in names:
                    raise ValueError(f"primary_key names unknown column {key!r}")
        elif sum(c.primary_key for c in self.columns) > 1:
            raise ValueError("several columns have primary_key: true; use the table's primary_key list")
        return self

    def summary(self) -> str:
        return f"create table {self.ref.shown} ({', '.join(shown(c.name) for c in self.columns)})"

    def _referenced(self) -> list[TableRef]:
        return [c.references.ref for c in self.columns if c.references is not None]

    def validate_live(self, ctx: PlanContext) -> None:
        if self.ref in ctx.created_tables:
            raise InputError(f"table {self.ref.display!r} is created twice", where=self.origin)
        if ctx.catalog is not None and ctx.catalog.conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (self.ref.sql,)
        ).fetchone() == (True,):
            raise InputError(f"table {self.ref.display!r} already exists", where=self.origin)
        for c in self.columns:
            validate_type(ctx, c.type, self.origin)
            if c.references is not None and c.references.ref != self.ref:
                validate_referenced(ctx, c.references.ref, [c.references.column], self.origin)

    def create_sql(self) -> str:
        lines = []
        for c in self.columns:
            line = "    " + c.inline_sql()
            if c.primary_key:
                line += " PRIMARY KEY"
            lines.append(line)
        if self.primary_key:
            lines.append(f"    PRIMARY KEY ({', '.join(ident(k) for k in self.primary_key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.ref.sql} (\n" + ",\n".join(lines) + "\n)"

    def expand(self, ctx: PlanContext) -> list[Step]:
        # Inline foreign keys lock the referenced table briefly (SHARE ROW EXCLUSIVE); the new
        # table is empty, so there is nothing to validate.
        refs = tuple((r, Lock.SHARE_ROW_EXCLUSIVE) for r in dict.fromkeys(self._referenced()) if r != self.ref)
        return [
            Step(
                sql=self.create_sql(),
                description=f"create table {self.ref.shown}",
                lock=Lock.ACCESS_EXCLUSIVE,
                guard=g.relation_kind(self.ref, "rp"),
                table=self.ref,
                also_locks=refs,
            )
        ]

    def rollback(self, ctx: PlanContext) -> list[Step]:
        return [
            Step(
                sql=f"DROP TABLE IF EXISTS {self.ref.sql}",
                description=f"drop table {self.ref.shown} (created by expand; rows written since are lost)",
                lock=Lock.ACCESS_EXCLUSIVE,
                guard=f"SELECT {self.ref.regclass} IS NULL",
                table=self.ref,
                also_locks=s.fk_drop_locks(self._referenced(), self.ref),
            )
        ]

    def tables(self) -> list[TableRef]:
        return [self.ref, *self._referenced()]

    def notes(self, ctx: PlanContext) -> list[str]:
        return ["rollback drops the new table with any rows written to it since expand"]

    def record(self, ctx: PlanContext) -> None:
        ctx.created_tables.add(self.ref)
        for c in self.columns:
            ctx.note_column(self.ref, c.name, c.type)
