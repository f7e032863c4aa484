"""A new column beside an old one, kept in sync by a two-way trigger, that replaces it at
contract: the plan shared by rename_column and alter_column (type change)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..planning.steps import Backfill, Lock, Step, TableRef
from ..sqltext import bounded_name, ident, qualified, shown
from . import _guards as g
from . import _steps as s
from . import _sync
from ._columns import IndexShape, column_facts, column_indexes, referenced_tables
from .base import PlanContext


@dataclass
class Shadow:
    table: TableRef
    old: str  # the existing column
    new: str  # the column added by expand
    new_type: str
    up: str  # row (old shape) -> new column
    down: str  # row (new shape) -> old column
    not_null: bool | None  # None: unknown (planned without a database)
    default: str | None  # set on the new column at contract
    # alter_column: at contract the old column goes and ``new`` takes its name.
    take_old_name: bool = False
    indexes: list[IndexShape] = field(default_factory=list)
    # Tables the old column's foreign keys point to: dropping it locks them too.
    fk_tables: list[TableRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def sync_name(self) -> str:
        return _sync.object_name("sync", self.table, self.old)

    @property
    def final(self) -> str:
        return self.old if self.take_old_name else self.new

    def index_tmp_name(self, idx: IndexShape) -> str:
        return bounded_name(idx.name, "ec")

    # -- live discovery ------------------------------------------------------------------
    def inspect(self, ctx: PlanContext, where: str) -> None:
        """Read what must be carried over from the old column (needs a live catalog)."""
        facts = column_facts(ctx, self.table, self.old)
        if ctx.catalog is None or facts is None:
            self.notes.append(
                "planned without a database: NOT NULL, default and indexes of the old column "
                "are carried over only when planned with --dsn"
            )
            return
        if facts.identity or facts.generated:
            kind = "an identity" if facts.identity else "a generated"
            raise InputError(
                f"column {self.old!r} of {self.table.display!r} is {kind} column: not supported "
                "by expand/contract (use a 'sql' operation)", where=where,
            )
        if facts.referenced_by:
            raise InputError(
                f"column {self.old!r} of {self.table.display!r} is referenced by foreign key "
                f"{facts.referenced_by[0]!r}: drop it first or use a 'sql' operation", where=where,
            )
        for idx in column_indexes(ctx, self.table, self.old):
            if idx.primary:
                raise InputError(
                    f"column {self.old!r} is part of the primary key of {self.table.display!r}: "
                    "not supported by expand/contract (use a 'sql' operation)", where=where,
                )
            if idx.expression or idx.predicate is not None:
                self.notes.append(
                    f"index {shown(idx.name)} (expression or partial) is not carried over to "
                    f"{shown(self.final)}: recreate it with create_index"
                )
            else:
                tmp = self.index_tmp_name(idx)
                # Taken by another index: CREATE INDEX ... IF NOT EXISTS would silently build
                # nothing, and contract would rename someone else's index.
                if ctx.catalog.index_exists(tmp, ctx.schema_of(self.table)):
                    raise InputError(
                        f"index {idx.name!r} on {self.old!r} would be rebuilt as {tmp!r}, but a "
                        f"relation {tmp!r} already exists: rename or drop it first", where=where,
                    )
                self.indexes.append(idx)
        self.fk_tables = referenced_tables(ctx, self.table, self.old)
        for con in facts.other_constraints:
            self.notes.append(
                f"constraint {shown(con)} on {shown(self.old)} is not carried over to {shown(self.final)}: "
                "recreate it with add_check / add_foreign_key"
            )

    # -- phases --------------------------------------------------------------------------
    def _swap(self, cols: tuple[str, ...]) -> list[str]:
        return [self.new if c == self.old else c for c in cols]

    def expand(self) -> list[Step]:
        t = self.table
        steps = [s.add_column(t, self.new, f"{ident(self.new)} {self.new_type}",
                              f"shadow of {shown(self.old)}, kept in sync")]
        body = _sync.two_way_body(t, self.old, self.new, self.up, self.down)
        steps += _sync.install_steps(t, self.sync_name, body, f"sync {shown(self.old)} <-> {shown(self.new)}")
        if self.not_null:
            steps.append(s.not_null_expand(t, self.new))
        for idx in self.indexes:
            steps.append(
                s.create_index(
                    t, self.index_tmp_name(idx), self._swap(idx.columns), unique=idx.unique,
                    method=idx.method, include=tuple(self._swap(idx.include)),
                )
            )
        return steps

    def backfill(self) -> list[Backfill]:
        return [
            Backfill(
                table=self.table, set=((self.new, self.up),),
                description=f"copy {shown(self.old)} into {shown(self.new)} for existing rows",
            )
        ]

    def contract(self) -> list[Step]:
        # Order matters: the trigger goes first (the gate has shown no old-shape writer is
        # left), then the default (before NOT NULL, so writers relying on it never fail), then
        # NOT NULL, and only then the old column.
        t = self.table
        steps: list[Step] = list(_sync.remove_steps(t, self.sync_name))
        if self.default is not None:
            steps.append(s.set_default(t, self.new, self.default))
        if self.not_null:
            steps += s.not_null_contract(t, self.new)
        if self.take_old_name:
            steps.append(
                Step(
                    sql=(
                        f"ALTER TABLE {t.sql} DROP COLUMN {ident(self.old)};\n"
                        f"ALTER TABLE {t.sql} RENAME COLUMN {ident(self.new)} TO {ident(self.old)}"
                    ),
                    description=(
                        f"drop the old {shown(self.old)} and give {shown(self.new)} its name, in one "
                        "transaction (catalog only, no rewrite)"
                    ),
                    lock=Lock.ACCESS_EXCLUSIVE,
                    guard=g.all_of(g.column_absent(t, self.new), g.column_type_is(t, self.old, self.new_type)),
                    table=t,
                    also_locks=s.fk_drop_locks(self.fk_tables, t),
                )
            )
        else:
            steps.append(s.drop_column(t, self.old, f"replaced by {shown(self.new)}", references=self.fk_tables))
        for idx in self.indexes:
            tmp = self.index_tmp_name(idx)
            if idx.constraint:
                steps.append(
                    s.unique_using_index(
                        t, idx.constraint, tmp,
                        f"restore UNIQUE constraint {shown(idx.constraint)} on the new index (no scan)",
                    )
                )
            else:
                steps.append(
                    Step(
                        sql=f"ALTER INDEX {qualified(idx.schema, tmp)} RENAME TO {ident(idx.name)}",
                        description=f"give index {shown(tmp)} the old index's name {shown(idx.name)}",
                        lock=Lock.SHARE_UPDATE_EXCLUSIVE,
                        guard=g.all_of(
                            g.relation_exists(idx.schema, idx.name), g.relation_absent(idx.schema, tmp)
                        ),
                        table=t,
                    )
                )
        return steps

    def rollback(self) -> list[Step]:
        # The old column was kept in sync throughout: dropping the new one loses nothing.
        return [*_sync.remove_steps(self.table, self.sync_name),
                s.drop_column(self.table, self.new, "added by expand")]
