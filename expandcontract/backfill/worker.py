"""One worker: lease a key range, update it batch by batch, each batch exactly once.

Exactly-once argument: a batch's UPDATE and the advance of its range's cursor commit in the
same transaction, under a row lock on the range that also checks this worker still owns the
lease. A crash before COMMIT rolls back both (the rows are redone by whoever takes the range
over); a crash after COMMIT leaves both (the cursor is past those rows). Ranges are handed out
from a frontier on the job row under its lock, so no two ranges overlap.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from ..errors import ExecutionError
from .ahead import ClaimAhead
from .batching import Boundary, Key, KeySpec, next_boundary, run_batch
from .claimed import run_claimed_batch
from .controller import Controller
from .job import Job, Options
from .rate import BatchSizer
from .state import BATCHES, JOBS, RANGES
from .tracker import Tracker

SLIVER = 1.1  # a claimed range up to 10 % over the batch size is still done in one batch

RETRYABLE = (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected,
             psycopg.errors.SerializationFailure)


@dataclass
class Lease:
    range_no: int
    lo: Key | None
    hi: Key | None
    # Set when this worker just claimed the range: its size is known, no second boundary scan.
    claimed: Boundary | None = None

    def fits(self, size: int) -> bool:
        """The whole claimed range goes in one batch of about ``size`` rows: when the batch
        size shrank a little since the claim (one slower batch), the range is not split into
        a batch and a sliver; a real shrink (a lock timeout halves the size) still splits it."""
        return self.claimed is not None and size * SLIVER >= self.claimed.count


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self, connect: Callable[[], psycopg.Connection], job: Job, key: KeySpec, options: Options,
        controller: Controller, sizer: BatchSizer, tracker: Tracker, stop: threading.Event,
    ) -> None:
        self.connect = connect
        self.job = job
        self.key = key
        self.options = options
        self.controller = controller
        self.sizer = sizer
        self.tracker = tracker
        self.stop = stop
        self.id = worker_id()
        self.error: BaseException | None = None
        self.conn: psycopg.Connection | None = None
        self.lease: Lease | None = None
        self.ahead: ClaimAhead[Lease] = ClaimAhead(connect)

    # -- the loop --------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self.conn = self.connect()
            self._loop(self.conn)
        except BaseException as exc:  # reported by the runner on the main thread
            self.error = exc
            self.stop.set()
        finally:
            if self.conn is not None:
                with contextlib.suppress(Exception):
                    self.conn.close()

    def _loop(self, conn: psycopg.Connection) -> None:
        me = self._identity(conn)
        try:
            while not self.stop.is_set():
                if not self._wait_until_clear(conn):
                    return
                if self.lease is None:
                    self.lease = self.ahead.result() or self._take_over(conn, me) or self._claim(conn, me)
                    if self.lease is None:
                        if self._finish_if_complete(conn):
                            return
                        self.stop.wait(self.options.poll_interval)  # others hold the last ranges
                        continue
                if self._worth_claiming_ahead():
                    self.ahead.start(lambda helper: self._claim(helper, me))
                self._batch_with_retries(conn)
        finally:
            self.ahead.close()

    def _worth_claiming_ahead(self) -> bool:
        """This batch finishes its range, more ranges are left, and the size is measured."""
        lease = self.lease
        return (lease is not None and lease.claimed is not None and lease.hi is not None
                and lease.fits(self.sizer.size) and self.sizer.rows_per_second is not None)

    def _identity(self, conn: psycopg.Connection) -> tuple[str, int, object]:
        row = conn.execute(
            "SELECT pg_backend_pid(), backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).fetchone()
        assert row is not None
        return self.id, int(row[0]), row[1]

    def _wait_until_clear(self, conn: psycopg.Connection) -> bool:
        """Block while any signal throttles; False when asked to stop meanwhile."""
        while not self.stop.is_set():
            decision = self.controller.decide()
            self.tracker.state = decision.state
            self.tracker.throttle_reason = decision.reason
            self.tracker.lag_seconds = decision.lag_seconds
            if decision.go:
                return True
            start = time.monotonic()
            self.stop.wait(self.options.poll_interval)
            self.tracker.throttled_seconds += time.monotonic() - start
            # Keep our ranges (the current one, one claimed ahead) while we wait.
            conn.execute(
                f"UPDATE {RANGES} SET lease_expires = now() + make_interval(secs => %s)"
                " WHERE migration = %s AND idx = %s AND owner = %s AND status = 'claimed'",
                (self.options.lease_ttl, self.job.migration, self.job.index, self.id),
            )
        return False

    # -- leases ----------------------------------------------------------------------------
    def _take_over(self, conn: psycopg.Connection, me: tuple[str, int, object]) -> Lease | None:
        """A range whose owner is gone (its session vanished) or whose lease expired: found,
        locked (SKIP LOCKED) and made ours in one autocommit statement."""
        row = conn.execute(
            f"""
            UPDATE {RANGES} t SET owner = %s, owner_pid = %s, owner_backend_start = %s,
                   lease_expires = now() + make_interval(secs => %s)
            FROM (SELECT r.migration, r.idx, r.range_no FROM {RANGES} r
                  WHERE r.migration = %s AND r.idx = %s AND r.status = 'claimed'
                    AND (r.owner = %s OR r.lease_expires < now() OR NOT EXISTS (
                          SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.owner_pid
                          AND (a.backend_start IS NULL OR a.backend_start = r.owner_backend_start)))
                  ORDER BY r.range_no LIMIT 1 FOR UPDATE SKIP LOCKED) AS s
            WHERE (t.migration, t.idx, t.range_no) = (s.migration, s.idx, s.range_no)
            RETURNING t.range_no, t.lo, t.hi
            """,
            (*me, self.options.lease_ttl, self.job.migration, self.job.index, self.id),
        ).fetchone()
        return Lease(row[0], row[1], row[2]) if row else None

    def _claim(self, conn: psycopg.Connection, me: tuple[str, int, object]) -> Lease | None:
        """The next range after the job's frontier, sized like the next batch."""
        with conn.transaction():
            row = conn.execute(
                f"SELECT frontier, exhausted FROM {JOBS} WHERE migration = %s AND idx = %s FOR UPDATE",
                (self.job.migration, self.job.index),
            ).fetchone()
            if row is None or row[1]:
                return None
            frontier: Key | None = row[0]
            boundary = next_boundary(conn, self.key, frontier, None, self.sizer.size)
            if boundary.count == 0:
                conn.execute(
                    f"UPDATE {JOBS} SET exhausted = true WHERE migration = %s AND idx = %s",
                    (self.job.migration, self.job.index),
                )
                return None
            hi = None if boundary.last else boundary.end  # the last range runs to the table's end
            # The range row (ours from the start) and the job's new frontier, in one statement.
            inserted = conn.execute(
                f"WITH _job AS (UPDATE {JOBS} SET frontier = %s, exhausted = %s, status = 'running',"
                " started_at = coalesce(started_at, now()) WHERE migration = %s AND idx = %s)"
                f" INSERT INTO {RANGES} (migration, idx, range_no, lo, hi, cursor, owner, owner_pid,"
                " owner_backend_start, lease_expires)"
                " SELECT %s, %s, coalesce(max(range_no), 0) + 1, %s, %s, %s, %s, %s, %s,"
                f" now() + make_interval(secs => %s) FROM {RANGES} WHERE migration = %s AND idx = %s"
                " RETURNING range_no",
                (hi, boundary.last, self.job.migration, self.job.index,
                 self.job.migration, self.job.index, frontier, hi, frontier, *me, self.options.lease_ttl,
                 self.job.migration, self.job.index),
            ).fetchone()
            assert inserted is not None
            # One batch of this size covers the whole range: the range is done after it.
            return Lease(int(inserted[0]), frontier, hi, Boundary(hi, boundary.count, True))

    def _finish_if_complete(self, conn: psycopg.Connection) -> bool:
        row = conn.execute(
            f"SELECT j.exhausted, (SELECT count(*) FROM {RANGES} r WHERE r.migration = j.migration"
            f" AND r.idx = j.idx AND r.status = 'claimed') FROM {JOBS} j WHERE j.migration = %s AND j.idx = %s",
            (self.job.migration, self.job.index),
        ).fetchone()
        if row is None or not row[0] or row[1]:
            return False
        conn.execute(
            f"UPDATE {JOBS} SET status = 'done', finished_at = coalesce(finished_at, now()),"
            " state = NULL, throttle_reason = NULL, eta_seconds = 0, updated_at = now()"
            " WHERE migration = %s AND idx = %s",
            (self.job.migration, self.job.index),
        )
        return True

    # -- batches ---------------------------------------------------------------------------
    def _batch_with_retries(self, conn: psycopg.Connection) -> None:
        failures = 0
        while True:
            try:
                self._batch(conn)
                return
            except RETRYABLE as exc:
                failures += 1
                self.tracker.lock_timeout()
                size = self.sizer.shrink()
                self.tracker.batch_size = size
                if failures >= self.options.max_lock_retries:
                    raise ExecutionError(
                        f"backfill of {self.job.backfill.table.display}: {failures} batches in a row"
                        f" failed ({type(exc).__name__}) even at {size} rows; the cursor is saved,"
                        " run again when the table is less busy"
                    ) from None
                if self.stop.wait(min(0.05 * failures, 1.0)):
                    return

    def _batch(self, conn: psycopg.Connection) -> None:
        lease = self.lease
        assert lease is not None
        size = self.sizer.size
        self.tracker.batch_size = size
        started = time.monotonic()
        claimed = lease.claimed
        if claimed is not None and lease.fits(size):
            # A range claimed at this batch's size: its end is known (claimed.py).
            boundary = claimed
            updated = run_claimed_batch(
                conn, self.job.backfill, self.key, lock_timeout_ms=int(self.options.lock_timeout * 1000),
                migration=self.job.migration, index=self.job.index, range_no=lease.range_no,
                owner=self.id, lo=lease.lo, end=claimed.end, count=claimed.count, last=claimed.last,
                lease_ttl=self.options.lease_ttl, batch_size=size,
            )
            if updated is None:  # no longer ours as claimed: the long way finds out why
                lease.claimed = None
                return
        else:
            result = self._batch_in_steps(conn, lease, size)
            if result is None:
                self.lease = None  # taken over after our lease expired: leave it to the new owner
                return
            boundary, updated = result
        elapsed = time.monotonic() - started
        lease.claimed = None
        if boundary.last:
            self.lease = None
        self.tracker.batch(boundary.count, updated)
        self.sizer.record(boundary.count, elapsed)

    def _batch_in_steps(self, conn: psycopg.Connection, lease: Lease, size: int) -> tuple[Boundary, int] | None:
        """A batch of a range whose next end is not known: lock the range, read its cursor,
        find the end and update up to it, advance the cursor; None if the range is not ours."""
        with conn.transaction():
            # set_config(..., true) is SET LOCAL: the lock timeout of this transaction only.
            row = conn.execute(
                f"SELECT set_config('lock_timeout', %s, true), cursor, hi, status FROM {RANGES}"
                " WHERE migration = %s AND idx = %s AND range_no = %s AND owner = %s FOR UPDATE",
                (f"{int(self.options.lock_timeout * 1000)}ms", self.job.migration, self.job.index,
                 lease.range_no, self.id),
            ).fetchone()
            if row is None or row[3] != "claimed":
                return None
            cursor, hi = row[1], row[2]
            boundary, updated = run_batch(conn, self.job.backfill, self.key, cursor, hi, size)
            # The cursor advance and the batch log, in the same transaction as the rows.
            conn.execute(
                f"WITH _range AS (UPDATE {RANGES} SET cursor = %s, rows_scanned = rows_scanned + %s,"
                " rows_updated = rows_updated + %s,"
                " status = CASE WHEN %s THEN 'done' ELSE 'claimed' END,"
                " lease_expires = now() + make_interval(secs => %s)"
                " WHERE migration = %s AND idx = %s AND range_no = %s)"
                f" INSERT INTO {BATCHES} (migration, idx, range_no, worker, batch_size, rows_scanned,"
                " rows_updated, started_at, committed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now(),"
                " clock_timestamp())",
                (boundary.end, boundary.count, updated, boundary.last, self.options.lease_ttl,
                 self.job.migration, self.job.index, lease.range_no,
                 self.job.migration, self.job.index, lease.range_no, self.id, size,
                 boundary.count, updated),
            )
        return boundary, updated
