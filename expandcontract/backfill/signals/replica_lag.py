"""Replica lag, two ways.

1. The heartbeat (gh-ost style): ``ec`` writes ``now()`` into a one-row table on the primary
   every ~0.5 s and reads it back on each replica given with ``--replica URL``. On the replica,
   ``now() - ts`` is the true replay lag (plus at most one heartbeat interval), and it keeps
   growing while replay is stuck even when the primary is otherwise idle, where
   ``pg_last_xact_replay_timestamp()`` would stand still and ``replay_lag`` would go NULL.
2. ``pg_stat_replication`` on the primary, for every streaming replica connected to it:
   replay byte lag and the write/flush/replay time lag the walsender reports. This discovers
   replicas nobody named, but it gives their address and the *ephemeral* port of their WAL
   receiver, not a DSN ec could log in with, so discovered replicas are watched from the
   primary's side only. A replica that was streaming when the backfill started and is no
   longer connected counts as unknown (it may be falling behind unseen), and so throttles.
"""

from __future__ import annotations

import contextlib
import threading

import psycopg

from ...dsn import redact
from ..state import HEARTBEAT
from .base import Verdict, ok, one_line, throttle, unknown

HEARTBEAT_INTERVAL = 0.5


def write_heartbeat(conn: psycopg.Connection) -> None:
    conn.execute(
        f"INSERT INTO {HEARTBEAT} (id, ts) VALUES (1, clock_timestamp())"
        " ON CONFLICT (id) DO UPDATE SET ts = EXCLUDED.ts"
    )


class HeartbeatWriter:
    """A thread that writes the heartbeat row on the primary every interval."""

    def __init__(self, connect: object, interval: float = HEARTBEAT_INTERVAL) -> None:
        self._connect = connect
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ec-heartbeat", daemon=True)
        self.error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        conn: psycopg.Connection | None = None
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = self._connect()  # type: ignore[operator]
                write_heartbeat(conn)  # type: ignore[arg-type]
                self.error = None
            except psycopg.Error as exc:
                # A primary we cannot write to: the replicas' heartbeats go stale and throttle.
                self.error = one_line(exc)
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
                conn = None
            self._stop.wait(self.interval)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _replica_label(url: str) -> str:
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
        return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}"
    except Exception:
        return redact(url)


class ReplicaHeartbeat:
    """Lag of one replica given with ``--replica URL``, from the heartbeat row."""

    def __init__(self, url: str, max_lag: float, connect_timeout: int = 2) -> None:
        self.url = url
        self.label = _replica_label(url)
        self.name = f"replica {self.label}"
        self.max_lag = max_lag
        self.connect_timeout = connect_timeout
        self._conn: psycopg.Connection | None = None

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=self.connect_timeout,
                application_name="ec-backfill-lag",
            )
        return self._conn

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            row = self._connection().execute(
                f"SELECT extract(epoch FROM now() - ts)::float8 FROM {HEARTBEAT} WHERE id = 1"
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return unknown(f"replica {self.label} has not replayed the heartbeat table yet")
        except psycopg.Error as exc:
            self.close()
            return unknown(f"replica {self.label} unreachable: {one_line(exc)}")
        if row is None or row[0] is None:
            return unknown(f"replica {self.label} has not replayed a heartbeat yet")
        lag = max(0.0, float(row[0]))
        if lag > self.max_lag:
            return throttle(f"replica {self.label} lag {lag:.1f}s > --max-lag {self.max_lag:g}s", lag)
        return ok(lag)

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


class ReplicationStats:
    """Every replica streaming from the primary, as pg_stat_replication sees it."""

    name = "pg_stat_replication"

    def __init__(self, max_lag: float, max_bytes: int | None = None) -> None:
        self.max_lag = max_lag
        self.max_bytes = max_bytes
        self._seen: dict[str, str] | None = None  # key -> label, of replicas seen at start

    def discover(self, primary: psycopg.Connection) -> list[dict[str, object]]:
        """What the primary tells about its replicas (for the docs and --dry-run)."""
        rows = primary.execute(
            "SELECT application_name, host(client_addr), client_port, state,"
            " extract(epoch FROM write_lag)::float8, extract(epoch FROM flush_lag)::float8,"
            " extract(epoch FROM replay_lag)::float8,"
            " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint"
            " FROM pg_stat_replication"
        ).fetchall()
        return [
            {"application_name": r[0], "client_addr": r[1], "client_port": r[2], "state": r[3],
             "write_lag": r[4], "flush_lag": r[5], "replay_lag": r[6], "replay_bytes": r[7]}
            for r in rows
        ]

    def check(self, primary: psycopg.Connection) -> Verdict:
        try:
            replicas = self.discover(primary)
        except psycopg.Error as exc:
            return unknown(f"cannot read pg_stat_replication: {one_line(exc)}")
        now_seen = {}
        for r in replicas:
            label = f"{r['application_name'] or 'replica'} ({r['client_addr'] or 'local'})"
            now_seen[f"{r['application_name']}|{r['client_addr']}"] = label
        if self._seen is None:
            self._seen = dict(now_seen)
        else:
            self._seen.update(now_seen)
        gone = [label for key, label in self._seen.items() if key not in now_seen]
        if gone:
            return unknown(f"replica {gone[0]} is no longer streaming from the primary")
        worst: float | None = None
        for r in replicas:
            label = f"{r['application_name'] or 'replica'} ({r['client_addr'] or 'local'})"
            lag = r["replay_lag"]
            if isinstance(lag, float):
                worst = lag if worst is None else max(worst, lag)
                if lag > self.max_lag:
                    return throttle(f"{label} replay_lag {lag:.1f}s > --max-lag {self.max_lag:g}s", lag)
            nbytes = r["replay_bytes"]
            if self.max_bytes is not None and isinstance(nbytes, int) and nbytes > self.max_bytes:
                return throttle(f"{label} is {nbytes // (1 << 20)} MB of WAL behind"
                                f" (limit {self.max_bytes // (1 << 20)} MB)")
        return ok(worst)

    def close(self) -> None:
        pass
