"""add_column: a new column, added without rewriting the table; NOT NULL, UNIQUE, CHECK and
REFERENCES are added in their non-blocking forms and validated at contract.

With ``up`` (an SQL expression over the row), a trigger fills the column for writes from app
versions that do not know it yet, and the backfill fills the existing rows from ``up``.
"""

from __future__ import annotations

from pydantic import field_validator

from ..errors import InputError
from ..planning.steps import Backfill, Lock, Requirement, RequirementKind, Step, TableRef
from ..sqltext import bounded_name, ident, shown
from . import _steps as s
from . import _sync
from ._columns import (
    ColumnDef,
    check_sql_text,
    is_constant_default,
    validate_referenced,
    validate_type,
)
from .base import PlanContext, TableOperation


class AddColumn(TableOperation):
    type_name = "add_column"

    column: ColumnDef
    up: str | None = None

    @field_validator("up")
    @classmethod
    def _up(cls, value: str | None) -> str | None:
        return None if value is None else check_sql_text(value)

    # -- names ---------------------------------------------------------------------------
    @property
    def col(self) -> str:
        return self.column.name

    @property
    def fill_name(self) -> str:
        return _sync.object_name("fill", self.ref, self.col)

    @property
    def check_name(self) -> str:
        return bounded_name(self.table, self.col, "check")

    @property
    def fk_name(self) -> str:
        return bounded_name(self.table, self.col, "fkey")

    @property
    def key_name(self) -> str:
        return bounded_name(self.table, self.col, "key")

    # -- shape of the plan -----------------------------------------------------------------
    def _fast_default(self) -> bool:
        """A literal default with no ``up``: ADD COLUMN stores it in the catalog (PG11+), so
        existing rows need no backfill and NOT NULL needs no scan."""
        return self.up is None and self.column.default is not None and is_constant_default(
            self.column.default
        )

    def _fill_expr(self) -> str | None:
        """What the backfill writes into existing rows."""
        if self.up is not None:
            return self.up
        if self.column.default is not None and not self._fast_default():
            return self.column.default
        return None

    def summary(self) -> str:
        c = self.column
        extra = "" if c.nullable else " NOT NULL"
        return f"add column {shown(c.name)} {c.type}{extra} to {self.ref.shown}"

    def validate_live(self, ctx: PlanContext) -> None:
        where = self.origin
        info = ctx.table_info(self.ref, where)
        if info is not None and self.col in info.columns:
            raise InputError(
                f"column {self.col!r} already exists in table {self.ref.display!r}", where=where
            )
        validate_type(ctx, self.column.type, where)
        if self.column.references is not None:
            validate_referenced(ctx, self.column.references.ref, [self.column.references.column], where)
        new_table = self.ref in ctx.created_tables
        if not self.column.nullable and not new_table and self.up is None and self.column.default is None:
            raise InputError(
                f"column {self.col!r}: nullable: false needs 'up' or 'default' to fill the "
                "existing rows (and the inserts of app versions that do not write it)",
                where=where,
            )

    def _new_table(self, ctx: PlanContext) -> bool:
        return self.ref in ctx.created_tables

    def expand(self, ctx: PlanContext) -> list[Step]:
        ref, c = self.ref, self.column
        if self._new_table(ctx):
            # Created earlier in this migration: empty and unused, everything goes inline.
            return [s.add_column(ref, c.name, c.inline_sql(), "table is new and empty")]
        definition = f"{ident(c.name)} {c.type}"
        if self._fast_default():
            definition += f" DEFAULT {c.default}"
            if not c.nullable:
                definition += " NOT NULL"
        steps = [s.add_column(ref, c.name, definition)]
        if c.default is not None and self.up is None and not self._fast_default():
            # Applies to new rows only, so no rewrite; existing rows come from the backfill.
            steps.append(s.set_default(ref, c.name, c.default))
        if self.up is not None:
            body = _sync.fill_body(ref, c.name, self.up, skip_side="new" if c.nullable else None)
            steps += _sync.install_steps(ref, self.fill_name, body, f"fill {shown(c.name)} from up")
        if not c.nullable and not self._fast_default():
            steps.append(s.not_null_expand(ref, c.name))
        if c.check is not None:
            steps.append(
                s.add_check_not_valid(ref, self.check_name, ctx.physical_expr(ref, c.check, self.origin))
            )
        if c.references is not None:
            steps.append(self._fk_step())
        if c.unique:
            steps.append(s.create_index(ref, self.key_name, [c.name], unique=True))
            steps.append(self._unique_step())
        return steps

    def _fk_step(self) -> Step:
        target = self.column.references
        assert target is not None
        return s.foreign_key_not_valid(
            self.ref, self.fk_name, [self.col], target.ref, [target.column],
            f"add foreign key {shown(self.fk_name)} NOT VALID (existing rows not scanned)",
        )

    def _unique_step(self) -> Step:
        return s.unique_using_index(
            self.ref, self.key_name, self.key_name,
            f"turn index {shown(self.key_name)} into a UNIQUE constraint (no scan)",
        )

    def backfill(self, ctx: PlanContext) -> list[Backfill]:
        expr = self._fill_expr()
        if expr is None or self._new_table(ctx):
            return []
        return [
            Backfill(
                table=self.ref,
                set=((self.col, expr),),
                description=f"fill {shown(self.col)} of existing rows",
                predicate=self._todo(expr),
            )
        ]

    def _todo(self, expr: str) -> str:
        """Rows the backfill still has to fill. A nullable column whose ``up`` is NULL for a row
        is already right when NULL: without the second condition ``--verify`` would count such
        rows as differences forever and contract would stay blocked."""
        if self.column.nullable:
            return f"{ident(self.col)} IS NULL AND ({expr}) IS NOT NULL"
        return f"{ident(self.col)} IS NULL"

    def contract(self, ctx: PlanContext) -> list[Step]:
        if self._new_table(ctx):
            return []
        ref, c = self.ref, self.column
        steps: list[Step] = []
        if c.check is not None:
            steps.append(s.validate_constraint(ref, self.check_name))
        if c.references is not None:
            steps.append(
                s.validate_constraint(
                    ref, self.fk_name, also_locks=((c.references.ref, Lock.ROW_SHARE),)
                )
            )
        if not c.nullable and not self._fast_default():
            steps += s.not_null_contract(ref, c.name)
        if self.up is not None:
            steps += _sync.remove_steps(ref, self.fill_name)
            if c.default is not None:
                steps.append(s.set_default(ref, c.name, c.default))
        return steps

    def rollback(self, ctx: PlanContext) -> list[Step]:
        steps: list[Step] = []
        if self.up is not None and not self._new_table(ctx):
            steps += _sync.remove_steps(self.ref, self.fill_name)
        # Dropping the column drops its index and constraints with it.
        refs = [self.column.references.ref] if self.column.references is not None else []
        steps.append(s.drop_column(self.ref, self.col, "added by expand", references=refs))
        return steps

    def contract_requires(self) -> list[Requirement]:
        if self.up is None:
            return []
        return [
            Requirement(
                RequirementKind.WRITES, self.ref, self.col,
                f"contract drops the trigger that fills {shown(self.col)} from up for app versions "
                "that do not write it",
            )
        ]

    def tables(self) -> list[TableRef]:
        refs = [self.ref]
        if self.column.references is not None:
            refs.append(self.column.references.ref)
        return refs

    def notes(self, ctx: PlanContext) -> list[str]:
        out = []
        if self.up is not None and self.column.default is not None:
            out.append("the default is set at contract: until then the trigger fills the column from up")
        if self.up is not None and self.column.nullable:
            out.append(
                "writers with expandcontract.side = 'new' may store NULL on purpose; others get up"
            )
        return out

    def record(self, ctx: PlanContext) -> None:
        ctx.note_column(self.ref, self.col, self.column.type)
        if self.column.references is not None:
            ctx.note_used(self.column.references.ref, [self.column.references.column], self.origin)
        if self.column.check is not None:
            ctx.note_used(self.ref, ctx.expr_columns(self.ref, self.column.check, self.origin), self.origin)
