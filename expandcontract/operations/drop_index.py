"""drop_index: DROP INDEX CONCURRENTLY at contract (reads and writes continue); nothing in
expand, so rollback has nothing to undo."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..errors import InputError
from ..planning.steps import Step, TableRef
from ..sqltext import literal, qualified, shown
from . import _steps as s
from .base import Operation, PlanContext


class DropIndex(Operation):
    type_name = "drop_index"

    name: str = Field(min_length=1)
    schema_: str | None = Field(default=None, alias="schema")
    table: str | None = None  # informational (shown in the plan, used for sizes)

    @property
    def table_ref(self) -> TableRef | None:
        return TableRef(self.table, self.schema_) if self.table else None

    def summary(self) -> str:
        return f"drop index {shown(self.name)}" + (f" on {self.table_ref.shown}" if self.table_ref else "")

    def validate_live(self, ctx: PlanContext) -> None:
        if ctx.catalog is None:
            return
        row = ctx.catalog.conn.execute(
            "SELECT c.relkind, con.conname FROM pg_class c "
            "LEFT JOIN pg_constraint con ON con.conindid = c.oid AND con.contype IN ('p', 'u', 'x') "
            "WHERE c.oid = to_regclass(%s)",
            (qualified(self.schema_, self.name),),
        ).fetchone()
        if row is None or row[0] not in ("i", "I"):
            raise InputError(f"index {self.name!r} does not exist", where=self.origin)
        if row[1] is not None:
            raise InputError(
                f"index {self.name!r} backs constraint {row[1]!r}: drop the constraint instead "
                "(a 'sql' operation in the contract phase)", where=self.origin,
            )

    def to_document(self) -> dict[str, Any]:
        return {
            self.type_name: self.model_dump(
                mode="json", exclude_none=True, exclude_defaults=True, by_alias=True
            )
        }

    def _schema(self, ctx: PlanContext) -> str | None:
        """The index's real schema (live): once it is dropped, its unqualified name could
        resolve through search_path to another schema's index, which a re-run would drop."""
        if ctx.catalog is None or self.schema_ is not None:
            return self.schema_
        row = ctx.catalog.conn.execute(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass(%s)", (qualified(None, self.name),),
        ).fetchone()
        return row[0] if row else None

    def contract(self, ctx: PlanContext) -> list[Step]:
        return [s.drop_index(self.table_ref, self._schema(ctx), self.name)]

    def tables(self) -> list[TableRef]:
        ref = self.table_ref
        return [ref] if ref else []

    def notes(self, ctx: PlanContext) -> list[str]:
        return [f"rollback cannot rebuild the index: {literal(self.name)} is dropped only at contract"]
