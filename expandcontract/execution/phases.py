"""Expand, contract and rollback of one migration: state transitions around the executor.

Phases: expanding -> expanded -> contracting -> contracted, or (before contract)
rolling_back -> rolled_back, after which the migration may be expanded again (a new "round").
Every transition runs under the migration's advisory lock and is written to the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from ..db import connect
from ..errors import BlockedError, InputError
from ..planning.model import Migration
from . import precontract, store
from .executor import ExecOptions, Executor, Reporter
from .lock import MigrationLock
from .precontract import Evidence, GateOptions, collect_evidence
from .stepcodec import plan_to_json


@dataclass
class Outcome:
    name: str
    phase: str  # the migration's phase after the command
    message: str
    # What happened, for machines: expanded, already_expanded, past_expand, contracted,
    # already_contracted, rolled_back, already_rolled_back.
    result: str = ""
    round: int | None = None
    # Contract only: how the gate was passed: "pass", "forced", "resumed" (checked by the
    # interrupted run), or None (nothing to contract).
    gate: str | None = None


def _plan(conn: psycopg.Connection, migration: Migration) -> dict[str, Any]:
    from ..catalog import Catalog
    from ..planning.planner import build_plan

    plan = build_plan(migration, Catalog(conn), pg_version=conn.info.server_version // 10000)
    return plan_to_json(plan)


def _run_steps(conn: psycopg.Connection, record: store.MigrationRecord, phase: str,
               options: ExecOptions, report: Reporter | None, lock: MigrationLock) -> None:
    """Run the stored steps of ``phase``, stopping if the migration lock's session is lost."""
    executor = Executor(conn, record.name, record.round, phase, options, report, lock.check)
    executor.run(record.steps(phase))


def expand(dsn: str, migration: Migration, options: ExecOptions,
           report: Reporter | None = None) -> Outcome:
    name = migration.name
    document = migration.to_document()
    source = str(migration.source) if migration.source else None
    with connect(dsn, application_name="ec expand") as conn, MigrationLock(dsn, name, "expand") as lock:
        record = store.get_migration(conn, name)
        if record is None or record.phase == "rolled_back":
            # First expand, or again after a rollback (a new round): plan against the live catalog.
            plan = _plan(conn, migration)
            start = store.create_migration if record is None else store.restart_migration
            with conn.transaction():
                record = start(conn, name, document, source, plan)
                store.audit(conn, name, "expand started", {"source": source, "round": record.round})
        elif record.document_hash != store.document_hash(document):
            raise InputError(
                f"migration {name} already exists with a different document (phase "
                f"{record.phase}); roll it back first (ec rollback {name}) or pick another --name"
            )
        elif record.phase in ("contracting", "contracted"):
            return Outcome(name, record.phase,
                           f"migration {name} is already past expand ({record.phase}): nothing to do",
                           "past_expand", record.round)
        elif record.phase == "rolling_back":
            raise InputError(
                f"migration {name} is being rolled back (an earlier rollback did not finish): "
                f"finish it with ec rollback {name} first"
            )
        elif record.phase == "expanding":
            store.audit(conn, name, "expand resumed", {"source": source, "round": record.round})
        _run_steps(conn, record, "expand", options, report, lock)
        if record.phase == "expanded":
            return Outcome(name, "expanded", f"migration {name} is already expanded",
                           "already_expanded", record.round)
        store.transition(conn, name, "expanded", "expanded", {"round": record.round})
        # Evidence providers that need a "before" snapshot (pg_stat_statements) take it now,
        # in their own transaction: a failure there must not undo the phase change.
        precontract.after_expand(conn, record)
        return Outcome(name, "expanded", f"migration {name} expanded", "expanded", record.round)


@dataclass(frozen=True)
class ContractOptions:
    gate: GateOptions
    wait: float = 0.0  # seconds to keep polling a blocked gate; 0 = check once
    poll: float = 5.0
    force: bool = False
    reason: str | None = None


EvidenceReport = Callable[[list[Evidence], bool], None]  # evidence, final?


def blocking(evidence: list[Evidence]) -> list[Evidence]:
    return [e for e in evidence if not e.ok]


def _contract_done(record: store.MigrationRecord) -> Outcome | None:
    """An Outcome when there is nothing to contract; InputError when contract is not possible."""
    if record.phase == "contracted":
        return Outcome(record.name, record.phase, f"migration {record.name} is already contracted",
                       "already_contracted", record.round)
    if record.phase in ("rolling_back", "rolled_back"):
        raise InputError(f"migration {record.name} is {record.phase.replace('_', ' ')}: "
                         "expand it again before contracting")
    return None


def _says_something(reason: str | None) -> bool:
    """A reason with a visible character: spaces and zero-width marks record nothing."""
    return any(c.isprintable() and not c.isspace() for c in reason or "")


def contract(dsn: str, name: str, options: ExecOptions, gate: ContractOptions,
             report: Reporter | None = None, show_evidence: EvidenceReport | None = None) -> Outcome:
    if gate.force and not _says_something(gate.reason):
        raise InputError("--force needs --reason TEXT (it is recorded in the audit log)")
    with connect(dsn, application_name="ec contract") as conn:
        # Checked before taking the lock (an answer even while another run holds it) and again
        # under it (that run may have moved the migration on).
        done = _contract_done(store.require_migration(conn, name))
        if done:
            return done
        with MigrationLock(dsn, name, "contract") as lock:
            record = store.require_migration(conn, name)
            done = _contract_done(record)
            if done:
                return done
            if record.phase != "contracting":
                passed = _gate(conn, record, gate, show_evidence)
                store.transition(conn, name, "contracting", "contract started", {"round": record.round})
            else:  # a resumed contract: the interrupted run passed the gate
                passed = "resumed"
                store.audit(conn, name, "contract resumed", {"round": record.round})
            _run_steps(conn, record, "contract", options, report, lock)
            store.transition(conn, name, "contracted", "contracted", {"round": record.round})
    return Outcome(name, "contracted", f"migration {name} contracted", "contracted", record.round,
                   passed)


def _gate(conn: psycopg.Connection, record: store.MigrationRecord, gate: ContractOptions,
          show: EvidenceReport | None) -> str:
    """Wait for the evidence to pass (or --force past it): "pass" or "forced"; BlockedError."""
    deadline = time.monotonic() + gate.wait
    while True:
        evidence = collect_evidence(conn, record, gate.gate)
        blocked = blocking(evidence)
        final = not blocked or gate.force or time.monotonic() + gate.poll > deadline
        if show:
            show(evidence, final)
        if not blocked:
            return "pass"
        if gate.force:
            store.audit(conn, record.name, "contract forced", {
                "reason": gate.reason,
                "overridden": [e.to_json() for e in blocked],
            })
            return "forced"
        if final:
            why = "; ".join(f"{e.source}: {e.summary}" for e in blocked)
            waited = f" after waiting {gate.wait:g}s" if gate.wait else ""
            raise BlockedError(f"contract of {record.name} blocked{waited}: {why}")
        time.sleep(gate.poll)
        record = store.get_migration(conn, record.name) or record


def _rollback_done(record: store.MigrationRecord) -> Outcome | None:
    """An Outcome when already rolled back; InputError once contract has started."""
    if record.phase in ("contracting", "contracted"):
        raise InputError(
            f"migration {record.name} is {record.phase}: rollback is only possible before contract"
        )
    if record.phase == "rolled_back":
        return Outcome(record.name, record.phase, f"migration {record.name} is already rolled back",
                       "already_rolled_back", record.round)
    return None


def rollback(dsn: str, name: str, options: ExecOptions, report: Reporter | None = None) -> Outcome:
    with connect(dsn, application_name="ec rollback") as conn:
        done = _rollback_done(store.require_migration(conn, name))  # before and under the lock
        if done:
            return done
        with MigrationLock(dsn, name, "rollback") as lock:
            record = store.require_migration(conn, name)
            done = _rollback_done(record)
            if done:
                return done
            store.transition(conn, name, "rolling_back", "rollback started", {"round": record.round, "from": record.phase})
            _run_steps(conn, record, "rollback", options, report, lock)
            store.transition(conn, name, "rolled_back", "rolled back", {"round": record.round})
    return Outcome(name, "rolled_back", f"migration {name} rolled back", "rolled_back", record.round)
