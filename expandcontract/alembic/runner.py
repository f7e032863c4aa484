"""What an ec Alembic operation does when Alembic invokes it: collect, emit SQL, or run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..durations import parse_duration
from ..errors import ECError, InputError
from ..execution.executor import ExecOptions, StepEvent
from ..planning.load_sql import migration_name
from ..planning.steps import Step
from ..sqltext import literal
from .ops import Collected, EcMigrationOp, collector, log, to_command_error

if TYPE_CHECKING:  # importing them at plugin setup would be circular (Alembic is half-loaded)
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

# context.configure(..., ec_lock_timeout="2s", ...) in env.py overrides ec's defaults.
OPTION_KEYS = ("ec_lock_timeout", "ec_statement_timeout", "ec_retry_deadline")


def run(operations: Operations, op: EcMigrationOp) -> None:
    ctx = operations.migration_context
    found = collector()
    if found is not None:
        chunks = getattr(getattr(ctx.impl, "output_buffer", None), "chunks", None)
        found.items.append(Collected(len(chunks) if isinstance(chunks, list) else 0, op))
        return
    try:
        name = _name(ctx, op)
        if ctx.as_sql:
            _offline(ctx, op, name)
        else:
            _online(ctx, op, name)
    except ECError as exc:
        raise to_command_error(exc) from None


def _name(ctx: MigrationContext, op: EcMigrationOp) -> str:
    """The ec migration's name: given, else the revision id (then rev.2, rev.3, ...)."""
    if op.name:
        if migration_name(op.name) != op.name:
            raise InputError(f"migration={op.name!r}: must be 1-100 characters of letters, "
                             "digits, '_', '-', '.'", where=op.origin)
        return op.name
    if op.revision is None:
        raise InputError("cannot tell which revision this is: pass migration='NAME'",
                         where=op.origin)
    counts: dict[str, int] = ctx.__dict__.setdefault("_ec_counts", {})
    counts[op.revision] = n = counts.get(op.revision, 0) + 1
    base = migration_name(op.revision)
    return base if n == 1 else f"{base}.{n}"


def exec_options(opts: dict[str, Any]) -> ExecOptions:
    defaults = ExecOptions()
    values: dict[str, float] = {}
    for key in OPTION_KEYS:
        if opts.get(key) is None:
            continue
        raw = opts[key]
        seconds = float(raw) if isinstance(raw, (int, float)) else parse_duration(str(raw), what=key)
        values[key.removeprefix("ec_")] = seconds
    options = ExecOptions(
        lock_timeout=values.get("lock_timeout", defaults.lock_timeout),
        statement_timeout=values.get("statement_timeout", defaults.statement_timeout),
        retry_deadline=values.get("retry_deadline", defaults.retry_deadline),
    )
    if options.lock_timeout <= 0:
        raise InputError("ec_lock_timeout must be greater than 0 (0 would mean wait forever)")
    return options


def connection_dsn(ctx: MigrationContext) -> str:
    """A libpq DSN for the database Alembic is connected to (ec opens its own connections)."""
    connection = ctx.connection
    if connection is None:
        raise InputError("no database connection in the Alembic context")
    url = connection.engine.url
    if not url.get_backend_name().startswith("postgres"):
        raise InputError(f"ec operations need PostgreSQL, not {url.get_backend_name()}")
    rendered: str = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return rendered


def _log_step(event: StepEvent) -> None:
    extra = f" (after {event.attempts} attempts)" if event.status == "done" and event.attempts > 1 else ""
    detail = f": {event.message}" if event.message else ""
    log.info("ec %s %d/%d %s: %s%s%s", event.phase, event.index + 1, event.total,
             event.status, event.step.description, extra, detail)


def _online(ctx: MigrationContext, op: EcMigrationOp, name: str) -> None:
    from ..execution import phases
    from ..execution.precontract import GateOptions

    dsn = connection_dsn(ctx)
    options = exec_options(ctx.opts)
    # Commit Alembic's transaction first: its locks would make ec's steps wait on ourselves.
    with ctx.autocommit_block():
        if op.action == "expand":
            outcome = phases.expand(dsn, op.migration(name), options, _log_step)
        elif op.action == "contract":
            outcome = phases.contract(dsn, name, options,
                                      phases.ContractOptions(gate=GateOptions()), _log_step)
        else:
            outcome = phases.rollback(dsn, name, options, _log_step)
    log.info("ec: %s", outcome.message)
    if op.action == "expand":
        log.info("ec: next: deploy the new app version, ec backfill %s --verify, ec gate %s, "
                 "then the contract", name, name)


def _steps_for(op: EcMigrationOp, name: str) -> tuple[list[Step], list[str]]:
    from ..planning.planner import build_plan

    plan = build_plan(op.migration(name))
    if op.action == "expand":
        after = [f"ec backfill {name} --verify: {b.description}" for b in plan.backfill]
        after += [f"before contract, every live app version: {r.describe()}"
                  for r in plan.requirements]
        return plan.expand, after
    if op.action == "contract":
        return plan.contract, []
    return plan.rollback, []


def _offline(ctx: MigrationContext, op: EcMigrationOp, name: str) -> None:
    if not op.operations:
        raise InputError(f"ec_{op.action}: offline (--sql) output needs ops=[...] to plan from",
                         where=op.origin)
    steps, after = _steps_for(op, name)
    options = exec_options(ctx.opts)
    out = ctx.impl.static_output
    with ctx.autocommit_block():
        head = [f"-- ec {op.action} of migration {name} ({len(steps)} steps); ec runs each step",
                "-- in its own transaction with guards and retries: prefer running it online."]
        if op.action == "contract":
            head.append(f"-- Run only after `ec gate {name}` passes.")
        head.append(f"SET lock_timeout = {literal(f'{int(options.lock_timeout * 1000)}ms')};")
        out("\n".join(head))
        for i, step in enumerate(steps):
            where = "" if step.transactional else ", outside a transaction"
            sql = step.sql.rstrip().rstrip(";")
            out(f"-- ec {op.action} {i + 1}/{len(steps)}: {_comment(step.description)} "
                f"(lock: {step.lock.value}{where})\n{sql};")
        out("\n".join([f"-- then: {_comment(line)}" for line in after] + ["RESET lock_timeout;"]))


def _comment(text: str) -> str:
    """One comment line: a name with a newline must not end the comment early."""
    return " ".join(text.split())
