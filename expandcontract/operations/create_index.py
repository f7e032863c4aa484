"""create_index: CREATE [UNIQUE] INDEX CONCURRENTLY, outside a transaction."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..errors import InputError
from ..planning.steps import Lock, Step
from ..sqltext import ident, literal, qualified, shown
from . import _guards as g
from ._columns import check_sql_text
from .base import PlanContext, TableOperation


class CreateIndex(TableOperation):
    type_name = "create_index"

    name: str
    columns: list[str] = Field(min_length=1)
    unique: bool = False
    method: Literal["btree", "hash", "gist", "gin", "brin", "spgist"] = "btree"
    where: str | None = None  # partial index predicate (SQL)
    include: list[str] = Field(default_factory=list)

    @field_validator("where")
    @classmethod
    def _where(cls, value: str | None) -> str | None:
        return None if value is None else check_sql_text(value)

    def summary(self) -> str:
        kind = "unique index" if self.unique else "index"
        return f"create {kind} {shown(self.name)} on {self.ref.shown} ({', '.join(map(shown, self.columns))})"

    def validate_live(self, ctx: PlanContext) -> None:
        for column in [*self.columns, *self.include]:
            ctx.column_info(self.ref, column, self.origin)
        # The index goes into its table's schema: a relation of that name elsewhere on
        # search_path does not stand in the way (and must not pass for this index).
        if ctx.catalog is not None and ctx.catalog.index_exists(self.name, ctx.schema_of(self.ref)):
            raise InputError(f"relation {self.name!r} already exists", where=self.origin)

    def create_sql(self, ctx: PlanContext | None = None) -> str:
        """The statement; with ``ctx``, on the columns that hold each column's new shape (the
        shadow of a type change made earlier in the migration, renamed to it at contract)."""
        columns, include, where = self.columns, self.include, self.where
        if ctx is not None:
            columns = ctx.physical_columns(self.ref, columns, self.origin)
            include = ctx.physical_columns(self.ref, include, self.origin)
            where = None if where is None else ctx.physical_expr(self.ref, where, self.origin)
        cols = ", ".join(ident(c) for c in columns)
        sql = (
            f"CREATE {'UNIQUE ' if self.unique else ''}INDEX CONCURRENTLY IF NOT EXISTS "
            f"{ident(self.name)} ON {self.ref.sql} USING {self.method} ({cols})"
        )
        if include:
            sql += f" INCLUDE ({', '.join(ident(c) for c in include)})"
        if where:
            sql += f" WHERE {where}"
        return sql

    def index_exists_guard(self) -> str:
        # Valid index on this table only: an INVALID leftover of a failed build must be
        # dropped and rebuilt, and a same-named index elsewhere on search_path is not this one.
        return g.index_valid_on(self.ref, self.name)

    def expand(self, ctx: PlanContext) -> list[Step]:
        return [
            Step(
                sql=self.create_sql(ctx),
                description=f"build index {shown(self.name)} without blocking writes",
                lock=Lock.SHARE_UPDATE_EXCLUSIVE,
                transactional=False,
                guard=self.index_exists_guard(),
                table=self.ref,
                index_name=self.name,
                index_schema=ctx.schema_of(self.ref),
            )
        ]

    def record(self, ctx: PlanContext) -> None:
        used = {*self.columns, *self.include}
        if self.where:
            used |= ctx.expr_columns(self.ref, self.where, self.origin)
        ctx.note_used(self.ref, used, self.origin)

    def notes(self, ctx: PlanContext) -> list[str]:
        out = ["a failed concurrent build leaves an INVALID index: the guard treats it as not "
               "built, and the executor drops it before building again"]
        if self.unique:
            out.append("from expand on, duplicate writes fail for every app version")
        return out

    def rollback(self, ctx: PlanContext) -> list[Step]:
        # Qualified by the table's real schema when known: an unqualified name could resolve,
        # through search_path, to another schema's index once this one is gone.
        name = qualified(ctx.schema_of(self.ref), self.name)
        return [
            Step(
                sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
                description=f"drop index {shown(self.name)}",
                lock=Lock.SHARE_UPDATE_EXCLUSIVE,
                transactional=False,
                guard=f"SELECT to_regclass({literal(name)}) IS NULL",
                table=self.ref,
            )
        ]
