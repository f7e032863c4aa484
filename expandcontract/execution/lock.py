"""One run per migration at a time: a session advisory lock held in a dedicated connection.

The lock lives as long as that connection, so a crashed or killed run releases it the moment
its session ends; the ``run_owner`` row only says who holds it (for the message).
"""

from __future__ import annotations

import hashlib
import os
import socket
from types import TracebackType

import psycopg

from ..db import connect
from ..errors import BlockedError, ExecutionError
from ..state.schema import STATE_SCHEMA
from .store import ensure_state, os_user

LOCK_CLASS = 0x6563  # "ec": first key of the two-key advisory lock; the second is the name's hash


def lock_key(name: str) -> int:
    """A stable positive int4 for ``name`` (positive so it equals pg_locks.objid)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") & 0x7FFFFFFF


class MigrationLock:
    """``with MigrationLock(dsn, name, action):`` -- raises BlockedError when held elsewhere."""

    def __init__(self, dsn: str, name: str, action: str) -> None:
        self.dsn = dsn
        self.name = name
        self.action = action
        self.conn: psycopg.Connection | None = None

    def __enter__(self) -> MigrationLock:
        conn = connect(self.dsn, application_name=f"ec {self.action} lock")
        try:
            ensure_state(conn)
            got = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, lock_key(self.name))
            ).fetchone()
            if not got or not got[0]:
                raise BlockedError(self._holder_message(conn))
            conn.execute(
                f"INSERT INTO {STATE_SCHEMA}.run_owner (migration, action, backend_pid, os_pid,"
                " hostname, os_user) VALUES (%s, %s, pg_backend_pid(), %s, %s, %s)"
                " ON CONFLICT (migration) DO UPDATE SET action = EXCLUDED.action,"
                " backend_pid = EXCLUDED.backend_pid, os_pid = EXCLUDED.os_pid,"
                " hostname = EXCLUDED.hostname, os_user = EXCLUDED.os_user, started_at = now()",
                (self.name, self.action, os.getpid(), socket.gethostname(), os_user()),
            )
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        return self

    def _holder_message(self, conn: psycopg.Connection) -> str:
        row = conn.execute(
            f"""
            SELECT l.pid, o.action, o.os_pid, o.hostname,
                   coalesce(o.started_at, a.backend_start), host(a.client_addr)
            FROM pg_locks l
            LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            LEFT JOIN {STATE_SCHEMA}.run_owner o ON o.migration = %s AND o.backend_pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
                SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = %s AND l.objid = %s AND l.objsubid = 2
            LIMIT 1
            """,
            (self.name, LOCK_CLASS, lock_key(self.name)),
        ).fetchone()
        if row is None:  # released between our try and this look-up
            return f"migration {self.name} is being run by another ec; retry"
        backend_pid, action, os_pid, hostname, since, client = row
        when = since.strftime("%Y-%m-%d %H:%M:%S %Z") if since else "an unknown time"
        if os_pid is not None:
            return (
                f"migration {self.name} is being run ({action}) by pid {os_pid} on host {hostname}"
                f" since {when} (database backend {backend_pid})"
            )
        return (
            f"migration {self.name} is being run by database backend pid {backend_pid}"
            f" from {client or 'a local socket'} since {when}"
        )

    def check(self) -> None:
        """Raise ExecutionError when the lock's session has ended (terminated by the server, a
        dropped network connection): another run could take the migration meanwhile, so this
        run must stop before its next step."""
        if self.conn is None:
            return
        try:
            self.conn.execute("SELECT 1")
        except psycopg.Error as exc:
            raise ExecutionError(
                f"lost the lock of migration {self.name} (its database session ended: "
                f"{' '.join(str(exc).split())}); stopped before the next step, re-run to continue"
            ) from None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(
                f"DELETE FROM {STATE_SCHEMA}.run_owner WHERE migration = %s AND backend_pid = pg_backend_pid()",
                (self.name,),
            )
            self.conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_CLASS, lock_key(self.name)))
        except psycopg.Error:
            pass  # closing the session releases the lock anyway
        finally:
            self.conn.close()
            self.conn = None
