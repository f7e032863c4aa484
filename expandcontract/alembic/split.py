"""``ec alembic split``: one revision becomes two, on the ``expand`` and ``contract`` branches
(the OpenStack Neutron/Keystone layout): ``alembic upgrade expand@head`` before the new app
version is deployed, ``alembic upgrade contract@head`` after ``ec gate`` passes.

The expand revision keeps the original revision id (so nothing that names it breaks) and
replaces the original file; the contract revision gets a new id and depends on it.
"""

from __future__ import annotations

import pprint
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..planning.model import Migration
from ..planning.planner import build_plan
from .script import (
    CONTRACT_LABEL,
    EXPAND_LABEL,
    RevisionHeader,
    branch_head,
    directory_headers,
    read_header,
)


@dataclass
class SplitResult:
    expand_path: Path
    expand_text: str
    contract_path: Path
    contract_text: str
    contract_revision: str
    name: str


def _literal(value: object) -> str:
    return pprint.pformat(value, indent=1, width=92, sort_dicts=False)


def _labels(label: str, new: bool) -> str:
    return f"({label!r},)" if new else "None"


def _down(value: tuple[str, ...]) -> str:
    if not value:
        return "None"
    return repr(value[0]) if len(value) == 1 else repr(tuple(value))


def _comment_lines(lines: list[str]) -> str:
    return "".join(f"    # {' '.join(line.split())}\n" for line in lines)


def split_revision(path: Path, contract_revision: str | None = None) -> SplitResult:
    from .revision import load_revision_file

    header = read_header(path)
    if EXPAND_LABEL in header.branch_labels or CONTRACT_LABEL in header.branch_labels:
        raise InputError("already on the expand/contract branches: nothing to split", where=str(path))
    migration = load_revision_file(path)
    plan = build_plan(migration)
    if not plan.contract and not plan.backfill and not plan.requirements:
        raise InputError("nothing to contract: this revision is expand-only; keep it as it is "
                         "(or put it on the expand branch)", where=str(path))
    others = [h for h in directory_headers(path.parent) if h.revision != header.revision]
    expand_head = branch_head(others, EXPAND_LABEL)
    contract_head = branch_head(others, CONTRACT_LABEL)
    new_id = contract_revision or uuid.uuid4().hex[:12]
    if any(h.revision == new_id for h in others):
        raise InputError(f"revision {new_id!r} already exists", where=str(path.parent))
    name = migration.name
    ops = [op.to_document() for op in migration.operations]
    expand_text = _expand_text(header, migration, plan_lines(plan, "expand"), ops,
                               down=(expand_head,) if expand_head else header.down_revisions,
                               new_branch=expand_head is None)
    contract_text = _contract_text(header, new_id, name, plan_lines(plan, "contract"), ops,
                                   down=(contract_head,) if contract_head else header.down_revisions,
                                   new_branch=contract_head is None)
    slug = path.stem.removeprefix(header.revision).strip("_") or "migration"
    contract_path = path.with_name(f"{new_id}_{slug}_contract.py")
    return SplitResult(path, expand_text, contract_path, contract_text, new_id, name)


def plan_lines(plan: object, phase: str) -> list[str]:
    from ..planning.planner import Plan

    assert isinstance(plan, Plan)
    if phase == "expand":
        lines = [f"expand {i}. {s.description}" for i, s in enumerate(plan.expand, 1)]
        lines += [f"backfill: {b.description}" for b in plan.backfill]
        return lines
    lines = [f"requires: {r.describe()}" for r in plan.requirements]
    lines += [f"contract {i}. {s.description}" for i, s in enumerate(plan.contract, 1)]
    return lines


def _expand_text(header: RevisionHeader, migration: Migration, steps: list[str],
                 ops: list[dict[str, Any]], *, down: tuple[str, ...], new_branch: bool) -> str:
    name = migration.name
    title = header.message or f"ec migration {name}"
    notes = "".join(f"#   {' '.join(n.split())}\n" for n in migration.notes)
    return f'''"""{title} (expand)

Written by `ec alembic split` from revision {header.revision}. Deployment order:
  1. alembic upgrade expand@head    (this revision: ec expand of migration {name})
  2. deploy the new app version
  3. ec backfill {name} --verify
  4. ec gate {name}                 (must pass: no live app version needs what contract removes)
  5. alembic upgrade contract@head

Revision ID: {header.revision}
Revises: {", ".join(header.down_revisions)}
"""

from alembic import op

revision = {header.revision!r}
down_revision = {_down(down)}
branch_labels = {_labels(EXPAND_LABEL, new_branch)}
depends_on = None
ec_phase = "expand"  # for ec lint

{("# Notes from reading the original revision:" + chr(10) + notes + chr(10)) if notes else ""}EC_MIGRATION = {name!r}
EC_OPS = {_literal(ops)}


def upgrade() -> None:
{_comment_lines(steps)}    op.ec_migration(EC_OPS, migration=EC_MIGRATION)


def downgrade() -> None:
    # Possible until the contract revision has run: drops what expand added, keeps old data.
    op.ec_rollback(EC_MIGRATION, EC_OPS)
'''


def _contract_text(header: RevisionHeader, revision: str, name: str, steps: list[str],
                   ops: list[dict[str, Any]], *, down: tuple[str, ...], new_branch: bool) -> str:
    title = header.message or f"ec migration {name}"
    return f'''"""{title} (contract)

Written by `ec alembic split` from revision {header.revision}.
Run `alembic upgrade contract@head` only after `ec gate {name}` passes (after the new app
version is deployed everywhere and `ec backfill {name} --verify` has finished); ec checks the gate
again here and refuses (the upgrade fails, nothing is dropped) while it is blocked.

Revision ID: {revision}
Revises: {", ".join(down)}
"""

from alembic import op

revision = {revision!r}
down_revision = {_down(down)}
branch_labels = {_labels(CONTRACT_LABEL, new_branch)}
depends_on = {header.revision!r}
ec_phase = "contract"  # for ec lint: drops here are expected

EC_MIGRATION = {name!r}
EC_OPS = {_literal(ops)}


def upgrade() -> None:
{_comment_lines(steps)}    op.ec_contract(EC_MIGRATION, EC_OPS)


def downgrade() -> None:
    raise NotImplementedError("contract of {name} removed the old shape; it cannot be undone")
'''


def write_split(result: SplitResult) -> None:
    result.expand_path.write_text(result.expand_text, encoding="utf-8")
    result.contract_path.write_text(result.contract_text, encoding="utf-8")
