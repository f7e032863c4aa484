"""What a plan is made of: steps (one SQL statement each), backfills and requirements."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from ..sqltext import ident, literal, shown


class Phase(str, Enum):
    EXPAND = "expand"
    BACKFILL = "backfill"
    CONTRACT = "contract"


class Lock(str, Enum):
    """The strongest table lock a step takes (PostgreSQL's names)."""

    NONE = "none"
    ACCESS_SHARE = "ACCESS SHARE"
    ROW_SHARE = "ROW SHARE"
    ROW_EXCLUSIVE = "ROW EXCLUSIVE"
    SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
    SHARE = "SHARE"
    SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
    EXCLUSIVE = "EXCLUSIVE"
    ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"

    @property
    def blocks_reads(self) -> bool:
        return self is Lock.ACCESS_EXCLUSIVE

    @property
    def blocks_writes(self) -> bool:
        return self in (Lock.SHARE, Lock.SHARE_ROW_EXCLUSIVE, Lock.EXCLUSIVE, Lock.ACCESS_EXCLUSIVE)


@dataclass(frozen=True)
class TableRef:
    """A table, optionally schema-qualified; unqualified names follow search_path."""

    name: str
    schema: str | None = None

    @property
    def sql(self) -> str:
        return ident(self.schema, self.name) if self.schema else ident(self.name)

    @property
    def regclass(self) -> str:
        """An expression for this table's OID, NULL when it does not exist."""
        return f"to_regclass({literal(self.sql)})"

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def shown(self) -> str:
        """For plan text: quoted only where needed (quote_ident), so names read unambiguously."""
        return shown(self.schema, self.name) if self.schema else shown(self.name)

    def column(self, name: str) -> str:
        return f"{self.sql}.{ident(name)}"

    def __str__(self) -> str:
        return self.display


@dataclass(frozen=True)
class Step:
    """One SQL statement and what the executor needs to run it safely.

    ``guard`` is a query returning one boolean: true when the step's effect is already
    present, so a re-run after a crash skips it.
    """

    sql: str
    description: str
    lock: Lock
    transactional: bool = True
    guard: str | None = None
    table: TableRef | None = None
    # Tables touched beyond ``table`` (e.g. the referenced table of a foreign key).
    also_locks: tuple[tuple[TableRef, Lock], ...] = ()
    # For CREATE INDEX CONCURRENTLY: the index name, so a failed INVALID build can be dropped.
    index_name: str | None = None
    index_schema: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "sql": self.sql,
            "lock": self.lock.value,
            "transactional": self.transactional,
            "table": self.table.display if self.table else None,
            "also_locks": [{"table": t.display, "lock": lk.value} for t, lk in self.also_locks],
            "guard": self.guard,
        }


@dataclass(frozen=True)
class Backfill:
    """Bring existing rows of ``table`` into the new shape, in batches, by ``set``."""

    table: TableRef
    set: tuple[tuple[str, str], ...]  # (column, SQL expression over the row)
    description: str
    # Rows still to do; default: any target column distinct from its expression.
    predicate: str | None = None
    key: tuple[str, ...] = ()  # empty: the table's primary key (or unique not-null key)

    @property
    def todo_predicate(self) -> str:
        if self.predicate:
            return self.predicate
        parts = [f"{ident(col)} IS DISTINCT FROM ({expr})" for col, expr in self.set]
        return " OR ".join(parts) if parts else "false"

    @property
    def set_clause(self) -> str:
        return ", ".join(f"{ident(col)} = ({expr})" for col, expr in self.set)

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "table": self.table.display,
            "set": {col: expr for col, expr in self.set},
            "predicate": self.todo_predicate,
            "key": list(self.key) or None,
            "batch_sql": (
                f"UPDATE {self.table.sql} SET {self.set_clause} "
                f"WHERE <key in batch> AND ({self.todo_predicate})"
            ),
        }


class RequirementKind(str, Enum):
    NOT_REFERENCED = "not_referenced"  # no live version reads or writes table.column
    WRITES = "writes"  # every live version writes table.column on insert
    TABLE_NOT_REFERENCED = "table_not_referenced"  # no live version uses the table at all


@dataclass(frozen=True)
class Requirement:
    """What must hold for every live app version before contract may run."""

    kind: RequirementKind
    table: TableRef
    column: str | None
    reason: str

    def describe(self) -> str:
        target = f"{self.table.shown}.{shown(self.column)}" if self.column else self.table.shown
        if self.kind is RequirementKind.NOT_REFERENCED:
            return f"no live app version references {target}"
        if self.kind is RequirementKind.WRITES:
            return f"every live app version writes {target}"
        return f"no live app version uses table {target}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["table"] = self.table.display
        data["text"] = self.describe()
        return data


@dataclass
class OperationPlan:
    """One operation's contribution to each phase."""

    index: int
    type: str
    summary: str
    expand: list[Step] = field(default_factory=list)
    backfill: list[Backfill] = field(default_factory=list)
    contract: list[Step] = field(default_factory=list)
    rollback: list[Step] = field(default_factory=list)
    requires: list[Requirement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
