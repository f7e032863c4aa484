"""Run a phase's Steps safely: short lock waits, retries, guards, and a journal.

* A transactional step runs in its own transaction with ``SET LOCAL lock_timeout`` (so a DDL
  statement never queues application queries behind it for longer than that) and a
  ``statement_timeout`` when its lock blocks writes. Its journal row commits in the same
  transaction as its DDL: exactly once, nothing half-applied.
* A non-transactional step (``CREATE/DROP INDEX CONCURRENTLY``) runs in autocommit with the
  same timeouts set for the session; an INVALID index of the same name, left by a failed or
  killed concurrent build, is dropped first.
* A lock timeout (SQLSTATE 55P03) or deadlock (40P01) is retried with jittered exponential
  backoff until the retry deadline.
* Each step's guard is checked first: a step whose effect is already present is skipped.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import errors as pgerrors

from ..errors import BlockedError, ExecutionError
from ..planning.steps import Step
from ..sqltext import ident, literal
from . import store

RETRYABLE = (pgerrors.LockNotAvailable, pgerrors.DeadlockDetected)
PAUSE_ENV = "EC_TEST_PAUSE_AFTER_STEP"  # tests: stop after step N (1-based) so they can kill -9


@dataclass(frozen=True)
class ExecOptions:
    lock_timeout: float = 2.0  # seconds; how long one attempt may wait for a lock
    statement_timeout: float = 60.0  # seconds, for steps whose lock blocks writes; 0 = none
    retry_deadline: float = 300.0  # seconds; total time a step may spend retrying lock timeouts
    backoff_initial: float = 0.2
    backoff_max: float = 10.0


@dataclass(frozen=True)
class StepEvent:
    phase: str
    index: int  # 0-based
    total: int
    step: Step
    status: str  # "done", "skipped", "already" (journalled by an earlier run), "retry", "failed",
    # "blocked" (lock not obtained within the retry deadline)
    attempts: int = 1
    message: str = ""
    seconds: float | None = None  # wall time of the step so far, retries included; None: "already"


Reporter = Callable[[StepEvent], None]


def _ms(seconds: float) -> str:
    return f"{max(0, int(seconds * 1000))}ms"


def _object(step: Step) -> str:
    return step.table.display if step.table else (step.index_name or "the database")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    sqlstate = getattr(exc, "sqlstate", None)
    return f"{message} (SQLSTATE {sqlstate})" if sqlstate else message


class Executor:
    def __init__(
        self, conn: psycopg.Connection, migration: str, round_: int, phase: str,
        options: ExecOptions, report: Reporter | None = None,
        before_step: Callable[[], None] | None = None,
    ) -> None:
        if not conn.autocommit:
            raise ValueError("the executor needs an autocommit connection")
        self.conn = conn
        self.migration = migration
        self.round = round_
        self.phase = phase
        self.options = options
        self.report = report or (lambda event: None)
        # Called before each step that runs: raises to stop (the migration lock was lost).
        self.before_step = before_step or (lambda: None)
        pause = os.environ.get(PAUSE_ENV, "")
        self.pause_after = int(pause) if pause.isdigit() else None

    def run(self, steps: list[Step]) -> None:
        done = store.journal(self.conn, self.migration, self.round, self.phase)
        for index, step in enumerate(steps):
            entry = done.get(index)
            if entry is not None and entry.status in ("done", "skipped"):
                self.report(StepEvent(self.phase, index, len(steps), step, "already",
                                      attempts=entry.attempts, seconds=None))
            else:
                self.before_step()
                self._run_step(index, len(steps), step)
            if self.pause_after is not None and index + 1 == self.pause_after:
                sys.stderr.write(f"EC_TEST_PAUSED after step {index + 1}\n")
                sys.stderr.flush()
                time.sleep(3600)

    # -- one step ----------------------------------------------------------------------------
    def _label(self, index: int, total: int, step: Step) -> str:
        return f"{self.phase} step {index + 1}/{total} ({step.description})"

    def _run_step(self, index: int, total: int, step: Step) -> None:
        started = time.monotonic()
        deadline = started + self.options.retry_deadline
        attempt = 0

        def event(status: str, message: str = "") -> StepEvent:
            return StepEvent(self.phase, index, total, step, status, attempt, message,
                             time.monotonic() - started)

        while True:
            attempt += 1
            try:
                status = self._attempt(index, step, attempt)
            except RETRYABLE as exc:
                self._cleanup_session(step)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._journal_failure(index, step, attempt, exc)
                    self.report(event("blocked", _first_line(exc)))
                    raise BlockedError(
                        f"{self._label(index, total, step)} could not take its lock on "
                        f"{_object(step)} within the retry deadline of "
                        f"{self.options.retry_deadline:g}s ({attempt} attempts): {_first_line(exc)};"
                        " nothing of this step was applied, re-run to continue"
                    ) from None
                delay = min(
                    self.options.backoff_max, self.options.backoff_initial * 2 ** (attempt - 1)
                )
                delay = min(remaining, random.uniform(delay / 2, delay))  # jitter
                self.report(event("retry", f"{_first_line(exc)}; retrying in {delay:.1f}s"))
                time.sleep(delay)
                continue
            except psycopg.Error as exc:
                self._cleanup_session(step)
                self._drop_invalid_index(step)
                self._journal_failure(index, step, attempt, exc)
                self.report(event("failed", _first_line(exc)))
                raise ExecutionError(
                    f"{self._label(index, total, step)} failed on {_object(step)}: {_first_line(exc)}"
                ) from None
            self.report(event(status))
            return

    def _timeouts(self, step: Step) -> tuple[str, str]:
        statement = self.options.statement_timeout if step.lock.blocks_writes else 0.0
        return _ms(self.options.lock_timeout), _ms(statement)

    def _guard_holds(self, step: Step) -> bool:
        if not step.guard:
            return False
        row = self.conn.execute(step.guard.encode()).fetchone()
        return bool(row and row[0])

    def _attempt(self, index: int, step: Step, attempt: int) -> str:
        lock_timeout, statement_timeout = self._timeouts(step)
        if step.transactional:
            with self.conn.transaction():
                self.conn.execute(f"SET LOCAL lock_timeout = {literal(lock_timeout)}".encode())
                self.conn.execute(f"SET LOCAL statement_timeout = {literal(statement_timeout)}".encode())
                status = "skipped" if self._guard_holds(step) else "done"
                if status == "done":
                    self.conn.execute(step.sql.encode())
                self._journal(index, step, status, attempt)
            return status
        # Outside a transaction (CONCURRENTLY): the timeouts hold for the session meanwhile.
        self.conn.execute(f"SET lock_timeout = {literal(lock_timeout)}".encode())
        self.conn.execute(f"SET statement_timeout = {literal(statement_timeout)}".encode())
        try:
            if self._guard_holds(step):
                status = "skipped"
            else:
                self._drop_invalid_index(step, raise_errors=True)
                self._journal(index, step, "running", 0)
                self.conn.execute(step.sql.encode())
                status = "done"
            self._journal(index, step, status, attempt)
        finally:
            self._cleanup_session(step)
        return status

    def _cleanup_session(self, step: Step) -> None:
        if step.transactional or self.conn.closed:
            return
        try:
            self.conn.execute("RESET lock_timeout")
            self.conn.execute("RESET statement_timeout")
        except psycopg.Error:
            pass

    def _drop_invalid_index(self, step: Step, *, raise_errors: bool = False) -> None:
        """Drop the INVALID leftover of a failed CREATE INDEX CONCURRENTLY of step's index."""
        if not step.index_name or step.transactional:
            return
        name = ident(step.index_schema, step.index_name) if step.index_schema else ident(step.index_name)
        try:
            row = self.conn.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (name,)
            ).fetchone()
            if row and row[0]:
                self.conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}".encode())
        except psycopg.Error:
            if raise_errors:
                raise

    # -- journal -------------------------------------------------------------------------------
    def _journal(self, index: int, step: Step, status: str, attempts: int) -> None:
        store.journal_write(
            self.conn, self.migration, self.round, self.phase, index, step.description, step.sql,
            status, attempts=attempts,
        )

    def _journal_failure(self, index: int, step: Step, attempts: int, exc: BaseException) -> None:
        # The step's own error is what the user needs to see, not a journal failure.
        with contextlib.suppress(psycopg.Error):
            store.journal_write(
                self.conn, self.migration, self.round, self.phase, index, step.description,
                step.sql, "failed", attempts=attempts, error=_first_line(exc),
            )
