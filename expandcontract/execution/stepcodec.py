"""Steps and backfills to and from JSON, so a plan computed once can be stored and replayed.

The plan is computed against the catalog as it was before expand; contract, rollback and a
resumed expand replay that stored plan instead of re-planning against a half-changed schema.
"""

from __future__ import annotations

from typing import Any

from ..planning.steps import Backfill, Lock, Step, TableRef


def _ref_json(ref: TableRef | None) -> dict[str, Any] | None:
    return {"name": ref.name, "schema": ref.schema} if ref else None


def _ref(data: dict[str, Any] | None) -> TableRef | None:
    return TableRef(data["name"], data.get("schema")) if data else None


def step_to_json(step: Step) -> dict[str, Any]:
    return {
        "sql": step.sql,
        "description": step.description,
        "lock": step.lock.value,
        "transactional": step.transactional,
        "guard": step.guard,
        "table": _ref_json(step.table),
        "also_locks": [[_ref_json(t), lk.value] for t, lk in step.also_locks],
        "index_name": step.index_name,
        "index_schema": step.index_schema,
    }


def step_from_json(data: dict[str, Any]) -> Step:
    also: list[tuple[TableRef, Lock]] = []
    for ref_data, lock in data.get("also_locks", []):
        ref = _ref(ref_data)
        if ref is not None:
            also.append((ref, Lock(lock)))
    return Step(
        sql=data["sql"],
        description=data["description"],
        lock=Lock(data["lock"]),
        transactional=bool(data.get("transactional", True)),
        guard=data.get("guard"),
        table=_ref(data.get("table")),
        also_locks=tuple(also),
        index_name=data.get("index_name"),
        index_schema=data.get("index_schema"),
    )


def backfill_to_json(bf: Backfill) -> dict[str, Any]:
    return {
        "table": _ref_json(bf.table),
        "set": [[col, expr] for col, expr in bf.set],
        "description": bf.description,
        "predicate": bf.predicate,
        "key": list(bf.key),
    }


def backfill_from_json(data: dict[str, Any]) -> Backfill:
    table = _ref(data["table"])
    assert table is not None
    return Backfill(
        table=table,
        set=tuple((col, expr) for col, expr in data["set"]),
        description=data["description"],
        predicate=data.get("predicate"),
        key=tuple(data.get("key") or ()),
    )


def plan_to_json(plan: Any) -> dict[str, Any]:
    """The replayable part of a planning.planner.Plan."""
    return {
        "expand": [step_to_json(s) for s in plan.expand],
        "backfill": [backfill_to_json(b) for b in plan.backfill],
        "contract": [step_to_json(s) for s in plan.contract],
        "rollback": [step_to_json(s) for s in plan.rollback],
        "requirements": [r.to_json() for r in plan.requirements],
        "live": plan.live,
    }
