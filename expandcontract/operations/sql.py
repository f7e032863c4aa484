"""sql: raw SQL in an explicit phase, with an optional ``down`` to roll it back. ec cannot
see inside it: the lock is what you declare (ACCESS EXCLUSIVE unless told otherwise) and
there is no guard, so the statement must be safe to run again after a crash."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from ..planning.steps import Lock, Step
from .base import Operation, PlanContext

_LOCKS = {lock.name: lock for lock in Lock} | {lock.value: lock for lock in Lock}


class RawSql(Operation):
    type_name = "sql"

    up: str
    down: str | None = None
    phase: Literal["expand", "contract"] = "expand"
    transactional: bool = True
    lock: str = Lock.ACCESS_EXCLUSIVE.value

    @field_validator("up")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("lock")
    @classmethod
    def _lock(cls, value: str) -> str:
        key = value.strip().upper().replace("_", " ")
        for name, lock in _LOCKS.items():
            if name.upper().replace("_", " ") == key:
                return lock.value
        raise ValueError(f"unknown lock {value!r} (one of: {', '.join(lk.value for lk in Lock)})")

    @model_validator(mode="after")
    def _down_phase(self) -> RawSql:
        if self.down is not None and self.phase == "contract":
            raise ValueError("down undoes expand; a contract-phase sql cannot have one")
        return self

    def summary(self) -> str:
        first = " ".join(self.up.split())
        return f"raw SQL ({self.phase}): {first[:60]}{'...' if len(first) > 60 else ''}"

    def _step(self, sql: str, description: str) -> Step:
        return Step(
            sql=sql.strip().rstrip(";"), description=description,
            lock=Lock(self.lock), transactional=self.transactional, guard=None,
        )

    def expand(self, ctx: PlanContext) -> list[Step]:
        return [self._step(self.up, "raw SQL (as written)")] if self.phase == "expand" else []

    def contract(self, ctx: PlanContext) -> list[Step]:
        return [self._step(self.up, "raw SQL (as written)")] if self.phase == "contract" else []

    def rollback(self, ctx: PlanContext) -> list[Step]:
        return [self._step(self.down, "raw SQL rollback (as written)")] if self.down else []

    def notes(self, ctx: PlanContext) -> list[str]:
        out = ["ec does not analyse raw SQL: it has no guard (re-run after a crash runs it again), "
               f"the lock shown ({self.lock}) is the one declared"]
        if self.phase == "expand" and self.down is None:
            out.append("no down: rollback cannot undo this statement")
        return out
