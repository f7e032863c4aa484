"""The Operation interface and the registry of operation types.

Each operation type lives in its own module, is a pydantic model of its fields (so a
migration file is validated with errors naming the field), and yields its contribution to
each phase as data (Steps, Backfills, Requirements): it never executes anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..catalog import Catalog, ColumnInfo, TableInfo
from ..errors import InputError
from ..planning.steps import Backfill, Requirement, Step, TableRef

REGISTRY: dict[str, type[Operation]] = {}


@dataclass(frozen=True)
class Replaced:
    """A column that an earlier operation replaces through a shadow column."""

    kind: Literal["type", "rename"]
    shadow: str  # the column that holds the new shape during the transition
    origin: str  # where that operation is (for messages)


def _at(origin: str, where: str) -> str:
    """Where an earlier operation is, for a message about a later one: ``line N`` when both
    come from the same file."""
    if not origin:
        return "above"
    file, _, line = origin.rpartition(":")
    if file and line.isdigit() and where.rpartition(":")[0] == file:
        return f"line {line}"
    return origin


class PlanContext:
    """What an operation may consult while planning: the live catalog, when there is one."""

    def __init__(self, catalog: Catalog | None = None, *, pg_version: int = 15) -> None:
        self.catalog = catalog
        self.pg_version = pg_version
        # Tables and columns created or renamed by earlier operations of the same migration.
        self.created_tables: set[TableRef] = set()
        self.created_columns: dict[TableRef, dict[str, str]] = {}
        # Columns replaced by a shadow column (alter_column type, rename_column): key = the
        # column's name before the migration.
        self.replaced: dict[TableRef, dict[str, Replaced]] = {}
        # Columns that earlier operations attached a constraint, index or default to
        # (column -> origin): replacing them afterwards would lose that at contract.
        self.used: dict[TableRef, dict[str, str]] = {}

    @property
    def live(self) -> bool:
        return self.catalog is not None

    def table_info(self, ref: TableRef, where: str) -> TableInfo | None:
        """The live table, or None when there is no catalog or the table is created earlier in
        this migration. Raises InputError when a catalog is present and the table is missing."""
        if self.catalog is None or ref in self.created_tables:
            return None
        info = self.catalog.table(ref)
        if info is None:
            raise InputError(f"table {ref.display!r} does not exist", where=where)
        return info

    def schema_of(self, ref: TableRef) -> str | None:
        """The schema ``ref`` really lives in (live catalog), else the one it was given."""
        if self.catalog is None or ref in self.created_tables:
            return ref.schema
        info = self.catalog.table(ref)
        return info.schema if info is not None else ref.schema

    def column_info(self, ref: TableRef, column: str, where: str) -> ColumnInfo | None:
        self.refuse_renamed(ref, column, where)
        if column in self.created_columns.get(ref, {}):
            return ColumnInfo(column, self.created_columns[ref][column], False, None)
        info = self.table_info(ref, where)
        if info is None:
            return None
        col = info.columns.get(column)
        if col is None:
            raise InputError(f"column {column!r} does not exist in table {ref.display!r}", where=where)
        return col

    def column_type(self, ref: TableRef, column: str, where: str) -> str:
        """The column's SQL type, or a visible placeholder when planning without a database."""
        info = self.column_info(ref, column, where)
        if info is None:
            return f"/* type of {ref.display}.{column}: plan with --dsn */ unknown"
        return info.type

    def note_column(self, ref: TableRef, column: str, type_sql: str) -> None:
        self.created_columns.setdefault(ref, {})[column] = type_sql

    # -- columns replaced by earlier operations of the same migration -------------------------
    def note_replaced(self, ref: TableRef, column: str, replaced: Replaced) -> None:
        self.replaced.setdefault(ref, {})[column] = replaced

    def note_used(self, ref: TableRef, columns: set[str] | list[str], origin: str) -> None:
        for column in columns:
            self.used.setdefault(ref, {}).setdefault(column, origin)

    def refuse_renamed(self, ref: TableRef, column: str, where: str) -> None:
        """A column renamed by an earlier operation is known by its new name only (as in SQL)."""
        rep = self.replaced.get(ref, {}).get(column)
        if rep is not None and rep.kind == "rename":
            raise InputError(
                f"column {column!r} of {ref.display!r} is renamed to {rep.shadow!r} by an earlier "
                f"operation ({_at(rep.origin, where)}): refer to it as {rep.shadow!r}", where=where,
            )

    def refuse_replaced(
        self, ref: TableRef, column: str, where: str, advice: str, *, rename_targets: bool = False
    ) -> None:
        """For operations that cannot follow a type change of ``column`` in one migration (nor,
        with ``rename_targets``, a rename to ``column``)."""
        self.refuse_renamed(ref, column, where)
        found: tuple[str, Replaced] | None = None
        rep = self.replaced.get(ref, {}).get(column)
        if rep is not None:
            found = (column, rep)
        elif rename_targets:
            for old, r in self.replaced.get(ref, {}).items():
                if r.kind == "rename" and r.shadow == column:
                    found = (old, r)
        if found is not None:
            old, rep = found
            what = "changes the type of" if rep.kind == "type" else f"renames to {column!r} the"
            raise InputError(
                f"an earlier operation ({_at(rep.origin, where)}) {what} column {old!r} of "
                f"{ref.display!r}: {advice}", where=where,
            )

    def refuse_used(self, ref: TableRef, column: str, where: str, what: str) -> None:
        """Replacing a column drops it at contract, with whatever earlier operations of this
        migration attached to it: refuse rather than lose that silently."""
        origin = self.used.get(ref, {}).get(column)
        if origin is not None:
            raise InputError(
                f"an earlier operation ({_at(origin, where)}) adds a constraint, index or default "
                f"on column {column!r} of {ref.display!r}, which contract would drop with the "
                f"old column: put the {what} first (later operations then apply to the new "
                "column), or split the migration", where=where,
            )

    def physical(self, ref: TableRef, column: str, where: str) -> str:
        """The column that holds ``column``'s new shape during the transition: the shadow of a
        type change (it takes the column's name at contract), else the column itself."""
        self.refuse_renamed(ref, column, where)
        rep = self.replaced.get(ref, {}).get(column)
        return rep.shadow if rep is not None and rep.kind == "type" else column

    def physical_columns(self, ref: TableRef, columns: list[str], where: str) -> list[str]:
        return [self.physical(ref, c, where) for c in columns]

    def physical_expr(self, ref: TableRef, expr: str, where: str) -> str:
        """``expr`` (a CHECK, an index predicate) over the columns that hold the new shape."""
        from ._exprcols import rename_columns

        for column in self.expr_columns(ref, expr, where):
            self.refuse_renamed(ref, column, where)
        mapping = {
            c: r.shadow for c, r in self.replaced.get(ref, {}).items() if r.kind == "type"
        }
        return rename_columns(expr, ref.name, mapping) if mapping else expr

    def expr_columns(self, ref: TableRef, expr: str, where: str) -> set[str]:
        from ._exprcols import columns_in

        try:
            return columns_in(expr, ref.name)
        except ValueError as exc:
            raise InputError(str(exc), where=where) from None


class Operation(BaseModel):
    """Base class of every operation type."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type_name: ClassVar[str] = ""
    # Set by the loader: where the operation came from, e.g. "m.yaml:12" (for messages).
    origin: str = Field(default="", exclude=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_name:
            REGISTRY[cls.type_name] = cls

    # -- the interface (DESIGN.md) ------------------------------------------------------
    def summary(self) -> str:
        raise NotImplementedError

    def validate_live(self, ctx: PlanContext) -> None:
        """Check against the live catalog (when ctx has one); raise InputError when invalid."""

    def expand(self, ctx: PlanContext) -> list[Step]:
        return []

    def backfill(self, ctx: PlanContext) -> list[Backfill]:
        return []

    def contract(self, ctx: PlanContext) -> list[Step]:
        return []

    def rollback(self, ctx: PlanContext) -> list[Step]:
        """Undo expand (run before contract); must not lose data in the original columns."""
        return []

    def contract_requires(self) -> list[Requirement]:
        return []

    def tables(self) -> list[TableRef]:
        """Tables this operation touches (for sizes in the plan)."""
        return []

    def notes(self, ctx: PlanContext) -> list[str]:
        return []

    def record(self, ctx: PlanContext) -> None:
        """Tell ctx what this operation creates, for the operations that follow it."""

    def to_document(self) -> dict[str, Any]:
        """The migration-file form of this operation: {type: {fields}}."""
        # by_alias: fields such as ``schema_`` are written as the file spells them (``schema``).
        return {
            self.type_name: self.model_dump(
                mode="json", exclude_none=True, exclude_defaults=True, by_alias=True
            )
        }


class TableOperation(Operation):
    """An operation on one table: ``table`` and optional ``schema`` fields."""

    table: str
    schema_: str | None = Field(default=None, alias="schema")

    @field_validator("table")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @property
    def ref(self) -> TableRef:
        return TableRef(self.table, self.schema_)

    def tables(self) -> list[TableRef]:
        return [self.ref]

    def to_document(self) -> dict[str, Any]:
        return {
            self.type_name: self.model_dump(
                mode="json", exclude_none=True, exclude_defaults=True, by_alias=True
            )
        }


def operation_types() -> dict[str, type[Operation]]:
    """All registered operation types (importing the package registers them)."""
    from . import load_all  # noqa: F401

    return dict(REGISTRY)
