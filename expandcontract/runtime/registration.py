"""register(): record this instance in the gate's registry and keep its heartbeat fresh.

Failures here must never break the application: every database error is logged as a
warning and retried on the next heartbeat. The registry row is only a claim "this version
is running"; when heartbeats stop (crash, kill -9) the gate ignores it after its TTL.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import signal
import socket
import threading
from types import FrameType, TracebackType
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from ..gate import schema as gate_schema
from ..gate.manifest import Manifest, ManifestError, coerce
from .names import application_name

# Read by the sync triggers of renames and type changes (operations/_sync.py).
SIDE_SETTING = "expandcontract.side"

log = logging.getLogger("expandcontract.runtime")

# Seconds register() holds app start-up at most while the database does not answer; the
# first registration then goes on in the background.
CONNECT_TIMEOUT = 5.0
_live: list[Registration] = []
_live_lock = threading.Lock()
_sigterm_installed = False


class Registration:
    """One registered app instance. close() (or leaving a ``with`` block) deregisters it."""

    def __init__(self, app: str, version: str, manifest: Manifest | None, conninfo: str | None,
                 heartbeat_interval: float, tag: str | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT, side: str | None = None) -> None:
        self.app = app
        self.version = version
        # "" when ec:<app>@<version> cannot be an application_name: connections stay untagged.
        self.application_name = _tag(app, version) if tag is None else tag
        self._label = self.application_name or f"{app}@{version}"  # for log messages
        self.manifest = manifest
        self.manifest_hash = manifest.content_hash() if manifest else None
        self.heartbeat_interval = heartbeat_interval
        self.connect_timeout = connect_timeout
        self.side = side
        self.instance_id: int | None = None
        self._conninfo = conninfo
        self._conn: psycopg.Connection | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._failing = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._first_beat = threading.Event()

    # -- public -----------------------------------------------------------------------
    @property
    def registered(self) -> bool:
        return self.instance_id is not None

    def connect_kwargs(self) -> dict[str, str]:
        """Keyword arguments for psycopg.connect() that tag the connection with this version
        (and set its sync-trigger side, when register() was given one)."""
        kwargs = {"application_name": self.application_name} if self.application_name else {}
        if self.side:
            kwargs["options"] = _side_option(self.side)
        return kwargs

    def close(self) -> None:
        """Stop heartbeating and remove this instance from the registry (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.connect_timeout + 1)
        with self._lock:
            if self._conn is not None and self.instance_id is not None:
                try:
                    self._conn.execute(f"DELETE FROM {gate_schema.INSTANCES} WHERE id = %s",
                                       (self.instance_id,))
                    log.info("ec: deregistered %s (instance %s)", self._label,
                             self.instance_id)
                except psycopg.Error as exc:
                    log.warning("ec: could not deregister %s: %s", self._label,
                                _one_line(exc))
            self._disconnect()
        with _live_lock:
            if self in _live:
                _live.remove(self)

    def __enter__(self) -> Registration:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- heartbeat --------------------------------------------------------------------
    def start(self) -> None:
        if self._conninfo is None:
            return
        self._thread = threading.Thread(target=self._run, name=f"ec-heartbeat-{self.app}",
                                        daemon=True)
        self._thread.start()
        # Wait for the first beat, so the instance is visible when register() returns, but
        # never longer than connect_timeout: a host that does not answer (or answers slowly,
        # or resolves to several addresses each tried in turn) must not hold app start-up.
        if not self._first_beat.wait(self.connect_timeout):
            log.warning("ec: no answer from the database within %gs; %s goes on starting and "
                        "registers in the background", self.connect_timeout, self._label)

    def _run(self) -> None:
        self.beat()
        self._first_beat.set()
        while not self._stop.wait(self.heartbeat_interval):
            self.beat()

    def beat(self) -> None:
        with self._lock:
            if self._closed and self._stop.is_set() and self.instance_id is None:
                return
            try:
                conn = self._connection()
                if self.instance_id is not None:
                    cur = conn.execute(
                        f"UPDATE {gate_schema.INSTANCES} SET heartbeat_at = now() WHERE id = %s",
                        (self.instance_id,))
                    if cur.rowcount == 0:  # pruned or the state was recreated: register again
                        self.instance_id = None
                if self.instance_id is None:
                    self._insert(conn)
                if self._failing:
                    log.warning("ec: registry reachable again; %s is registered",
                                self._label)
                self._failing = False
            except Exception as exc:  # never into the app
                if not self._failing:
                    log.warning("ec: cannot register %s with the contract gate (will retry "
                                "every %gs): %s", self._label, self.heartbeat_interval,
                                _one_line(exc))
                self._failing = True
                self._disconnect()

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            assert self._conninfo is not None
            self._conn = psycopg.connect(self._conninfo, autocommit=True,
                                         application_name=self.application_name or None,
                                         connect_timeout=max(2, math.ceil(self.connect_timeout)))
            # Registry writes must never queue behind a lock for long.
            self._conn.execute("SET statement_timeout = '5s'")
            self._conn.execute("SET lock_timeout = '2s'")
        return self._conn

    def _insert(self, conn: psycopg.Connection) -> None:
        gate_schema.ensure_gate_state(conn)
        with conn.transaction():
            if self.manifest is not None:
                conn.execute(
                    f"INSERT INTO {gate_schema.MANIFESTS} (app, version, manifest_hash, manifest,"
                    " source) VALUES (%s, %s, %s, %s, 'runtime') ON CONFLICT DO NOTHING",
                    (self.app, self.version, self.manifest_hash,
                     Jsonb(self.manifest.to_document())))
            row = conn.execute(
                f"INSERT INTO {gate_schema.INSTANCES} (app, version, host, pid, application_name,"
                " manifest_hash, heartbeat_interval) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                (self.app, self.version, socket.gethostname(), os.getpid(),
                 self.application_name, self.manifest_hash, self.heartbeat_interval),
            ).fetchone()
            # Instances silent for a day are long gone; keep the table small.
            conn.execute(f"DELETE FROM {gate_schema.INSTANCES}"
                         " WHERE heartbeat_at < now() - interval '1 day'")
        assert row is not None
        self.instance_id = int(row[0])
        log.info("ec: registered %s (instance %s)", self._label, self.instance_id)

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail
                self._conn.close()
            self._conn = None


def register(
    app: str,
    version: str,
    manifest: Any = None,
    *,
    dsn: str | None = None,
    engine: Any = None,
    connection: psycopg.Connection | None = None,
    heartbeat_interval: float = 10.0,
    handle_sigterm: bool = True,
    connect_timeout: float = CONNECT_TIMEOUT,
    side: str | None = None,
) -> Registration:
    """Register this process as a running instance of ``app`` at ``version``.

    ``manifest``: a Manifest, a manifest document (dict), a path to a .yaml/.json manifest,
    or a SQLAlchemy MetaData / declarative Base. Give the database as ``dsn`` (default
    $EC_DATABASE_URL), a SQLAlchemy ``engine`` (its new connections get tagged with
    ``application_name``) or a psycopg ``connection`` (tagged now, when idle). Never raises
    because of the database: problems are logged and retried on every heartbeat.

    ``connect_timeout``: the longest (in seconds) register() holds the caller while the
    database does not answer; registration then continues on the heartbeat thread.

    With ``handle_sigterm`` (and no SIGTERM handler installed yet), SIGTERM first
    deregisters, then terminates the process as it would have anyway.

    ``side`` ("old" or "new"): which shape of the migration in flight this version writes. The
    app's connections then carry the session setting ``expandcontract.side``, which makes the
    sync triggers of renames and type changes exact instead of inferring the writer's side.
    """
    if side not in (None, "old", "new"):
        raise ValueError("side must be 'old', 'new' or None")
    if heartbeat_interval <= 0:
        raise ValueError("heartbeat_interval must be positive")
    if connect_timeout <= 0:
        raise ValueError("connect_timeout must be positive")
    name = _tag(app, version)
    label = name or f"{app}@{version}"
    try:
        parsed = coerce(manifest)
    except (ManifestError, OSError) as exc:
        log.error("ec: ignoring the manifest of %s (the gate treats this version as unknown): %s",
                  label, exc)
        parsed = None
    conninfo = None
    try:
        if engine is not None:
            conninfo = _engine_conninfo(engine, name, side)
        elif connection is not None:
            conninfo = _connection_conninfo(connection, name, side)
        else:
            conninfo = dsn or os.environ.get("EC_DATABASE_URL")
    except Exception as exc:  # a driver we do not know: register nothing, never fail the app
        log.warning("ec: cannot find the database to register %s: %s", label, _one_line(exc))
    if conninfo is None:
        log.warning("ec: no database given to register %s (dsn, engine, connection or "
                    "$EC_DATABASE_URL); the gate will not see this instance", label)
    reg = Registration(app, version, parsed, conninfo, heartbeat_interval, tag=name,
                       connect_timeout=connect_timeout, side=side)
    reg.start()
    with _live_lock:
        _live.append(reg)
    atexit.register(reg.close)
    if handle_sigterm:
        _install_sigterm_handler()
    return reg


def _side_option(side: str | None) -> str:
    """The libpq ``options`` that set the sync triggers' side at connection start."""
    return f"-c {SIDE_SETTING}={side}" if side else ""


def _engine_conninfo(engine: Any, name: str, side: str | None = None) -> str:
    """Tag every new connection of a SQLAlchemy engine; the registry uses its own psycopg one."""
    from sqlalchemy import event

    def _tag_connection(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        if name:
            cparams["application_name"] = name
        if side:
            cparams["options"] = " ".join(filter(None, (cparams.get("options"), _side_option(side))))

    if name or side:
        event.listen(engine, "do_connect", _tag_connection)
    url = engine.url.set(drivername="postgresql")
    return str(url.render_as_string(hide_password=False))


def _connection_conninfo(conn: psycopg.Connection, name: str, side: str | None = None) -> str:
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    try:
        if not name and not side:
            pass  # untaggable: leave the app's application_name alone
        elif conn.info.transaction_status == pq.TransactionStatus.IDLE:
            if name:
                conn.execute("SELECT set_config('application_name', %s, false)", (name,))
            if side:
                conn.execute("SELECT set_config(%s, %s, false)", (SIDE_SETTING, side))
            if not conn.autocommit:
                conn.commit()
        else:
            log.warning("ec: connection is inside a transaction; not tagging it as %s", name)
    except psycopg.Error as exc:
        log.warning("ec: could not tag the connection as %s: %s", name, _one_line(exc))
    password = conn.info.password
    return make_conninfo(conn.info.dsn, password=password) if password else conn.info.dsn


def _tag(app: str, version: str) -> str:
    """``ec:<app>@<version>``, or "" when it cannot be one (too long for PostgreSQL, an "@" in
    the app name): start-up must not fail over it, and the registry still lists the instance."""
    try:
        return application_name(app, version)
    except ValueError as exc:
        log.warning("ec: connections of %s@%s are not tagged, so the gate's pg_stat_activity "
                    "evidence cannot see them (the registry still lists this instance): %s",
                    app, version, exc)
        return ""


def _install_sigterm_handler() -> None:
    global _sigterm_installed
    if _sigterm_installed or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # the app (or its server) handles SIGTERM; atexit deregisters on its exit
    _sigterm_installed = True

    def _on_sigterm(signum: int, frame: FrameType | None) -> None:
        with _live_lock:
            live = list(_live)
        for reg in live:
            reg.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # terminate exactly as without us

    signal.signal(signal.SIGTERM, _on_sigterm)


def _one_line(exc: BaseException) -> str:
    from ..dsn import redact

    return redact(" ".join(str(exc).split()))
