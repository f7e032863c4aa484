"""alter_column: change a column's type, nullability or default without blocking.

- ``type``: a shadow column of the new type, kept in sync by a two-way trigger (``up``: old ->
  new, default ``CAST(col AS type)``; ``down``: new -> old, default ``CAST(new AS old type)``);
  at contract the old column is dropped and the shadow takes its name (one transaction).
- ``nullable: false``: CHECK (col IS NOT NULL) NOT VALID in expand; VALIDATE, SET NOT NULL
  (no scan from PG12 thanks to the validated check), drop the check at contract. With ``up``
  (and no type), existing NULLs are backfilled from ``up`` and a trigger fills NULL writes
  until contract.
- ``nullable: true``: DROP NOT NULL in expand (relaxing is safe for old versions).
- ``default``: SET DEFAULT in expand (catalog only); ``drop_default``: at contract.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ..errors import InputError
from ..planning.steps import Backfill, Lock, Requirement, RequirementKind, Step
from ..sqltext import bounded_name, ident, literal, shown
from . import _guards as g
from . import _steps as s
from . import _sync
from ._columns import check_sql_text, check_type_text, validate_type
from ._shadow import Shadow
from .base import PlanContext, Replaced, TableOperation


class AlterColumn(TableOperation):
    type_name = "alter_column"

    column: str = Field(min_length=1)
    type: str | None = None
    up: str | None = None
    down: str | None = None
    nullable: bool | None = None
    default: str | None = None
    drop_default: bool = False

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        return None if value is None else check_type_text(value)

    @field_validator("up", "down", "default")
    @classmethod
    def _sql(cls, value: str | None) -> str | None:
        return None if value is None else check_sql_text(value)

    @model_validator(mode="after")
    def _something(self) -> AlterColumn:
        if self.type is None and self.nullable is None and self.default is None and not self.drop_default:
            raise ValueError("nothing to change: give type, nullable, default or drop_default")
        if self.type is None and self.down is not None:
            raise ValueError("down applies to a type change: give type too")
        if self.type is None and self.up is not None and self.nullable is not False:
            raise ValueError("up without type fills NULLs for nullable: false; give type or nullable: false")
        if self.default is not None and self.drop_default:
            raise ValueError("default and drop_default: true contradict each other")
        return self

    @property
    def fill_name(self) -> str:
        return _sync.object_name("fill", self.ref, self.column)

    def _fills(self) -> bool:
        """nullable: false with up and no type: NULLs are filled from up."""
        return self.type is None and self.up is not None

    @property
    def shadow_name(self) -> str:
        return bounded_name(self.column, "ec_new")

    def summary(self) -> str:
        parts = []
        if self.type:
            parts.append(f"type {self.type}")
        if self.nullable is not None:
            parts.append("NULL" if self.nullable else "NOT NULL")
        if self.default is not None:
            parts.append(f"default {self.default}")
        if self.drop_default:
            parts.append("no default")
        return f"alter column {shown(self.column)} of {self.ref.shown}: {', '.join(parts)}"

    def validate_live(self, ctx: PlanContext) -> None:
        info = ctx.column_info(self.ref, self.column, self.origin)
        ctx.refuse_replaced(
            self.ref, self.column, self.origin,
            "give type, nullable and default in that one alter_column",
        )
        if self.type is not None:
            ctx.refuse_replaced(
                self.ref, self.column, self.origin,
                "change its type in a later migration", rename_targets=True,
            )
            ctx.refuse_used(self.ref, self.column, self.origin, "alter_column")
        if self.type is not None:
            validate_type(ctx, self.type, self.origin)
            tinfo = ctx.table_info(self.ref, self.origin)
            if tinfo is not None and self.shadow_name in tinfo.columns:
                raise InputError(
                    f"column {self.shadow_name!r} (the shadow column) already exists in "
                    f"{self.ref.display!r}", where=self.origin,
                )
            if info is not None and ctx.catalog is not None:
                same = ctx.catalog.conn.execute(
                    "SELECT to_regtype(%s) = to_regtype(%s)", (self.type, info.type)
                ).fetchone()
                if same and same[0]:
                    raise InputError(
                        f"column {self.column!r} already has type {info.type!r}", where=self.origin
                    )

    # -- type change: a shadow column -------------------------------------------------------
    def shadow(self, ctx: PlanContext) -> Shadow | None:
        if self.type is None:
            return None
        cache: dict[int, Shadow] = ctx.__dict__.setdefault("_ec_shadows", {})
        if id(self) not in cache:
            info = ctx.column_info(self.ref, self.column, self.origin)
            old_type = ctx.column_type(self.ref, self.column, self.origin)
            if self.nullable is not None:
                not_null: bool | None = not self.nullable
            else:
                not_null = info.not_null if info is not None else None
            if self.drop_default:
                default = None
            elif self.default is not None:
                default = self.default
            else:
                default = info.default if info is not None else None
            sh = Shadow(
                table=self.ref, old=self.column, new=self.shadow_name, new_type=self.type,
                up=self.up or f"CAST({ident(self.column)} AS {self.type})",
                down=self.down or f"CAST({ident(self.shadow_name)} AS {old_type})",
                not_null=not_null, default=default, take_old_name=True,
            )
            sh.inspect(ctx, self.origin)
            cache[id(self)] = sh
        return cache[id(self)]

    def _old_not_null(self, ctx: PlanContext) -> bool | None:
        info = ctx.column_info(self.ref, self.column, self.origin)
        return None if info is None else info.not_null

    def _drop_not_null_step(self) -> Step:
        return Step(
            sql=f"ALTER TABLE {self.ref.sql} ALTER COLUMN {ident(self.column)} DROP NOT NULL",
            description=f"drop NOT NULL on {shown(self.column)} (catalog only)",
            lock=Lock.ACCESS_EXCLUSIVE,
            guard=g.column_nullable(self.ref, self.column),
            table=self.ref,
        )

    def expand(self, ctx: PlanContext) -> list[Step]:
        sh = self.shadow(ctx)
        steps: list[Step] = []
        if sh is not None:
            steps += sh.expand()
            # New-shape writers may leave the new column NULL: the old one must accept it.
            if self.nullable is True and self._old_not_null(ctx) is not False:
                steps.append(self._drop_not_null_step())
            return steps
        if self._fills():
            assert self.up is not None
            body = _sync.fill_body(self.ref, self.column, self.up, skip_side=None)
            steps += _sync.install_steps(self.ref, self.fill_name, body, f"fill NULL {shown(self.column)} from up")
        if self.nullable is False:
            steps.append(s.not_null_expand(self.ref, self.column))
        elif self.nullable is True:
            steps.append(self._drop_not_null_step())
        if self.default is not None:
            info = ctx.column_info(self.ref, self.column, self.origin)
            steps.append(
                s.set_default(self.ref, self.column, self.default,
                              previous=info.default if info is not None else None)
            )
        return steps

    def backfill(self, ctx: PlanContext) -> list[Backfill]:
        sh = self.shadow(ctx)
        if sh is not None:
            return sh.backfill()
        if self._fills():
            assert self.up is not None
            return [
                Backfill(
                    table=self.ref, set=((self.column, self.up),),
                    description=f"fill NULL {shown(self.column)} from up",
                    predicate=f"{ident(self.column)} IS NULL",
                )
            ]
        return []

    def contract(self, ctx: PlanContext) -> list[Step]:
        sh = self.shadow(ctx)
        if sh is not None:
            return sh.contract()
        steps: list[Step] = []
        if self.nullable is False:
            steps += s.not_null_contract(self.ref, self.column)
        if self._fills():
            steps += _sync.remove_steps(self.ref, self.fill_name)
        if self.drop_default:
            steps.append(s.set_default(self.ref, self.column, None))
        return steps

    def rollback(self, ctx: PlanContext) -> list[Step]:
        sh = self.shadow(ctx)
        info = ctx.column_info(self.ref, self.column, self.origin)
        steps: list[Step] = []
        if self.nullable is True and info is not None and info.not_null:
            steps += s.restore_not_null(self.ref, self.column)
        if sh is not None:
            return sh.rollback() + steps
        if self._fills():
            steps += _sync.remove_steps(self.ref, self.fill_name)
        if self.nullable is False:
            steps.append(s.drop_constraint(self.ref, s.not_null_check_name(self.ref, self.column)))
        if self.default is not None and info is not None:
            if info.default is None:
                steps.append(s.set_default(self.ref, self.column, None))
            else:
                steps.append(
                    Step(
                        sql=(
                            f"ALTER TABLE {self.ref.sql} ALTER COLUMN {ident(self.column)} "
                            f"SET DEFAULT {info.default}"
                        ),
                        description=f"restore the previous default of {shown(self.column)}",
                        lock=Lock.ACCESS_EXCLUSIVE,
                        guard=(
                            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attrdef d JOIN "
                            "pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
                            f"WHERE d.adrelid = {self.ref.regclass} AND a.attname = "
                            f"{literal(self.column)} AND pg_get_expr(d.adbin, d.adrelid) = {literal(info.default)})"
                        ),
                        table=self.ref,
                    )
                )
        return steps

    def contract_requires(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        if self.type is not None:
            reqs.append(
                Requirement(
                    RequirementKind.NOT_REFERENCED, self.ref, self.shadow_name,
                    f"contract renames the shadow column to {shown(self.column)}",
                )
            )
        if self.nullable is False:
            reqs.append(
                Requirement(
                    RequirementKind.WRITES, self.ref, self.column,
                    "contract makes the column NOT NULL",
                )
            )
        return reqs

    def notes(self, ctx: PlanContext) -> list[str]:
        out: list[str] = []
        sh = self.shadow(ctx)
        if sh is not None:
            out.append(
                f"during the transition the new type lives in {shown(self.shadow_name)}, kept equal "
                f"to {shown(self.column)}; app versions may write either; at contract it takes the "
                f"name {shown(self.column)}"
            )
            out += sh.notes
        if self.nullable is False and self.type is None and self.up is None:
            out.append(
                f"from expand on, an update of a row whose {shown(self.column)} is NULL fails the check; "
                "give up to fill such rows (backfill and trigger)"
            )
        if self.default is not None and self.type is None and ctx.catalog is None:
            out.append("planned without a database: rollback does not restore the previous default")
        if self.nullable is True and ctx.catalog is None:
            out.append("planned without a database: rollback does not restore NOT NULL")
        return out

    def record(self, ctx: PlanContext) -> None:
        if self.type is not None:
            ctx.note_column(self.ref, self.column, self.type)
            ctx.note_replaced(self.ref, self.column, Replaced("type", self.shadow_name, self.origin))
        else:
            ctx.note_used(self.ref, [self.column], self.origin)
