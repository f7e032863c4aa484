"""Run one backfill job in this process: N worker threads, the signals, the progress display."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from .controller import Controller
from .job import Job, Options, job_state, open_job
from .progress import NullView, View
from .rate import BatchSizer
from .signals.active_backends import ActiveBackends
from .signals.autovacuum import Autovacuum
from .signals.base import Signal
from .signals.custom_query import CustomQuery
from .signals.pause_flag import PauseFlag
from .signals.replica_lag import (
    HeartbeatWriter,
    ReplicaHeartbeat,
    ReplicationStats,
    write_heartbeat,
)
from .signals.slot_lag import SlotLag
from .state import JOBS
from .tracker import Tracker
from .worker import Worker

STATUS_INTERVAL = 1.0  # how often live figures go to the state tables (for ec status elsewhere)

Connect = Callable[[], psycopg.Connection]


def build_signals(job: Job, options: Options) -> list[Signal]:
    signals: list[Signal] = [PauseFlag(job.migration)]
    signals += [ReplicaHeartbeat(url, options.max_lag) for url in options.replicas]
    if options.discover_replicas:
        signals.append(ReplicationStats(options.max_lag, options.max_lag_bytes))
    signals.append(SlotLag(options.max_slot_lag_bytes))
    signals.append(Autovacuum(job.backfill.table, any_vacuum=options.throttle_on_vacuum))
    if options.throttle_query:
        signals.append(CustomQuery(options.throttle_query))
    if options.max_active_backends is not None:
        signals.append(ActiveBackends(options.max_active_backends))
    return signals


class Interrupted(Exception):
    """Stopped on request (Ctrl-C) after the batches in flight committed."""


def _sizer(options: Options) -> BatchSizer:
    if options.batch_size is not None:
        return BatchSizer(options.target_batch_time, initial=options.batch_size,
                          minimum=min(options.min_batch_size, options.batch_size), fixed=True)
    return BatchSizer(options.target_batch_time, initial=options.initial_batch_size,
                      minimum=options.min_batch_size, maximum=options.max_batch_size)


def _write_status(conn: psycopg.Connection, job: Job, snap: dict[str, Any], tracker: Tracker) -> None:
    conn.execute(
        f"UPDATE {JOBS} SET state = %s, throttle_reason = %s, batch_size = %s, rows_per_second = %s,"
        " eta_seconds = %s, lag_seconds = %s, lock_timeouts = greatest(lock_timeouts, %s),"
        " throttled_seconds = greatest(throttled_seconds, %s), updated_at = now()"
        " WHERE migration = %s AND idx = %s AND status <> 'done'",
        (snap["state"], snap["throttle_reason"], snap["batch_size"], snap["rows_per_second"],
         snap["eta_seconds"], snap["lag_seconds"], tracker.lock_timeouts, tracker.throttled_seconds,
         job.migration, job.index),
    )


def run_backfill(
    connect: Connect, job: Job, options: Options, *, stop: threading.Event | None = None,
    view: View | None = None,
) -> dict[str, Any]:
    """Run ``job`` to completion (or until ``stop`` is set); returns the final progress snapshot.

    Raises Interrupted when stopped before completion, and the first worker error otherwise.
    """
    stop = stop or threading.Event()
    view = view or NullView()
    conn = connect()
    try:
        key = open_job(conn, job)
        st = job_state(conn, job)
        assert st is not None
        tracker = Tracker(job.migration, job.index, job.backfill.table.display, st.rows_total_est,
                          rows_done=st.rows_scanned, rows_updated=st.rows_updated)
        if st.status == "done":
            tracker.done = True
            view.stop(tracker.snapshot())  # the end line / final bar: done already
            return tracker.snapshot()
        if options.replicas:
            write_heartbeat(conn)  # a fresh one before the first lag check
        controller = Controller(connect, build_signals(job, options))
        heartbeat = HeartbeatWriter(connect) if options.replicas else None
        sizer = _sizer(options)
        tracker.batch_size = sizer.size
        workers = [
            Worker(connect, job, key, options, controller, sizer, tracker, stop)
            for _ in range(max(1, options.workers))
        ]
        threads = [threading.Thread(target=w.run, name=f"ec-backfill-{i}", daemon=True)
                   for i, w in enumerate(workers)]
        if heartbeat:
            heartbeat.start()
        view.start()
        try:
            for t in threads:
                t.start()
            last_status = 0.0
            while any(t.is_alive() for t in threads):
                for t in threads:
                    t.join(timeout=0.2)
                    if t.is_alive():
                        break
                if time.monotonic() - last_status >= STATUS_INTERVAL:
                    last_status = time.monotonic()
                    _refresh(conn, job, tracker)
                    _write_status(conn, job, tracker.snapshot(), tracker)
                view.update(tracker.snapshot())
        finally:
            if heartbeat:
                heartbeat.stop()
            controller.close()
            final = _final(conn, job, tracker)
            view.stop(final)
        errors = [w.error for w in workers if w.error is not None]
        if errors:
            raise errors[0]
        if not tracker.done:
            raise Interrupted(
                f"{job.label}: stopped with {tracker.rows_done:,} rows done; the cursor is saved,"
                " run `ec backfill` again to continue"
            )
        return final
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _refresh(conn: psycopg.Connection, job: Job, tracker: Tracker) -> None:
    st = job_state(conn, job)
    if st is not None:
        tracker.refresh(st.rows_scanned, st.rows_updated)
        if st.status == "done":
            tracker.done = True


def _final(conn: psycopg.Connection, job: Job, tracker: Tracker) -> dict[str, Any]:
    with contextlib.suppress(psycopg.Error):
        _refresh(conn, job, tracker)
        if not tracker.done:
            tracker.state = "pending"
            tracker.throttle_reason = None
            _write_status(conn, job, tracker.snapshot(), tracker)
    return tracker.snapshot()
