"""A throwaway PostgreSQL cluster: initdb into a temporary directory, start on a free port.

As root the servers run as the ``postgres`` OS user (initdb refuses to run as root). Every
cluster is registered for cleanup at interpreter exit and on SIGTERM, so a failing or
interrupted test run does not leave servers behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import ExecutionError
from .binaries import PostgresBinaries, find_binaries

_live: set[Cluster] = set()
_live_lock = threading.Lock()

TEST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "logical",
    "max_wal_senders": "10",
    "max_replication_slots": "10",
    "hot_standby": "on",
    "hot_standby_feedback": "on",
    "wal_keep_size": "256MB",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "listen_addresses": "'127.0.0.1'",
    "log_min_messages": "warning",
    "logging_collector": "off",
    "track_io_timing": "off",
    "autovacuum_naptime": "10s",
    "wal_receiver_status_interval": "1s",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as_postgres() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _cmd(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if _run_as_postgres() else args


def _chown_postgres(path: Path) -> None:
    if _run_as_postgres():
        shutil.chown(path, "postgres", "postgres")


def _run(args: list[str], what: str, timeout: float = 120) -> str:
    proc = subprocess.run(_cmd(args), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise ExecutionError(f"{what} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc.stdout


class Cluster:
    """One PostgreSQL server: a primary, or a streaming replica of one."""

    def __init__(
        self,
        binaries: PostgresBinaries,
        datadir: Path,
        port: int,
        *,
        root: Path,
        primary: Cluster | None = None,
    ) -> None:
        self.binaries = binaries
        self.datadir = datadir
        self.port = port
        self.root = root
        self.primary = primary
        self.replicas: list[Cluster] = []
        self.running = False

    # -- construction -----------------------------------------------------------------
    @classmethod
    def create(
        cls, binaries: PostgresBinaries | None = None, settings: dict[str, str] | None = None
    ) -> Cluster:
        binaries = binaries or find_binaries()
        root = Path(tempfile.mkdtemp(prefix="ec-pg-"))
        os.chmod(root, 0o755)
        _chown_postgres(root)
        datadir = root / "primary"
        _run(
            [binaries.tool("initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            "initdb",
        )
        cluster = cls(binaries, datadir, free_port(), root=root)
        conf = dict(TEST_SETTINGS)
        conf["unix_socket_directories"] = f"'{root}'"
        if cls._has_extension(binaries, "pg_stat_statements"):
            conf["shared_preload_libraries"] = "'pg_stat_statements'"
            conf["pg_stat_statements.track"] = "all"
        conf.update(settings or {})
        with open(datadir / "postgresql.auto.conf", "a") as fh:
            for key, value in conf.items():
                fh.write(f"{key} = {value}\n")
        cluster._register()
        cluster.start()
        return cluster

    @staticmethod
    def _has_extension(binaries: PostgresBinaries, name: str) -> bool:
        try:
            sharedir = subprocess.run(
                [binaries.tool("pg_config"), "--sharedir"], capture_output=True, text=True, timeout=20
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            sharedir = ""
        candidates = [Path(sharedir)] if sharedir else []
        candidates.append(binaries.bindir.parent / "share" / "postgresql")
        candidates.append(binaries.bindir.parent / "share")
        return any((c / "extension" / f"{name}.control").exists() for c in candidates)

    def add_replica(self) -> Cluster:
        """Create and start a streaming replica of this primary (pg_basebackup -R)."""
        datadir = self.root / f"replica{len(self.replicas) + 1}"
        _run(
            [self.binaries.tool("pg_basebackup"), "-D", str(datadir), "-h", "127.0.0.1",
             "-p", str(self.port), "-U", "postgres", "-R", "-X", "stream", "--no-sync",
             "-c", "fast"],
            "pg_basebackup",
        )
        replica = Cluster(self.binaries, datadir, free_port(), root=self.root, primary=self)
        with open(datadir / "postgresql.auto.conf", "a") as fh:
            fh.write(f"port = {replica.port}\n")
        replica._register()
        replica.start()
        self.replicas.append(replica)
        return replica

    # -- lifecycle --------------------------------------------------------------------
    def _register(self) -> None:
        with _live_lock:
            _live.add(self)

    def start(self, timeout: float = 60) -> None:
        _run(
            [self.binaries.tool("pg_ctl"), "-D", str(self.datadir), "-o", f"-p {self.port}",
             "-l", str(self.datadir / "server.log"), "-w", "-t", str(int(timeout)), "start"],
            f"starting PostgreSQL in {self.datadir}",
            timeout=timeout + 10,
        )
        self.running = True
        if self.primary is not None:
            self.wait_for_replay()

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        with contextlib.suppress(Exception):
            _run([self.binaries.tool("pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"],
                 "stopping PostgreSQL", timeout=60)
        self.running = False

    def destroy(self) -> None:
        """Stop this cluster (and its replicas) and remove its files."""
        for replica in self.replicas:
            replica.destroy()
        self.stop("immediate")
        with _live_lock:
            _live.discard(self)
        if self.primary is None:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- access -----------------------------------------------------------------------
    def dsn(self, dbname: str = "postgres", **params: str) -> str:
        extra = "".join(f" {k}={v}" for k, v in params.items())
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}{extra}"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), autocommit=True, **kwargs)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if self.replicas:
            self.wait_for_replay()
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        with self.connect() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def wait_for_replay(self, timeout: float = 30) -> None:
        """On a replica: wait until it has replayed everything the primary has written."""
        primary = self.primary
        if primary is None:
            return
        with primary.connect() as pconn, pconn.transaction():
            # A WAL record of our own, committed synchronously: everything before it is flushed
            # and sent, and replay has passed it once it is past the record's start.
            pconn.execute("SET LOCAL synchronous_commit = on")
            target = pconn.execute(
                "SELECT pg_logical_emit_message(true, 'ec-test', 'sync')"
            ).fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with self.connect() as rconn:
                    done = rconn.execute(
                        "SELECT pg_last_wal_replay_lsn() > %s::pg_lsn", (target,)
                    ).fetchone()[0]  # type: ignore[index]
                if done:
                    return
            except psycopg.OperationalError:
                pass
            time.sleep(0.05)
        raise ExecutionError(f"replica on port {self.port} did not catch up within {timeout}s")

    def pause_replay(self) -> None:
        with self.connect() as conn:
            conn.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        with self.connect() as conn:
            conn.execute("SELECT pg_wal_replay_resume()")


@contextlib.contextmanager
def throwaway_cluster(replicas: int = 0, settings: dict[str, str] | None = None) -> Iterator[Cluster]:
    """A primary (plus ``replicas`` streaming replicas) that is removed on exit, whatever happens."""
    cluster = Cluster.create(settings=settings)
    try:
        for _ in range(replicas):
            cluster.add_replica()
        yield cluster
    finally:
        cluster.destroy()


def _cleanup_all() -> None:
    with _live_lock:
        clusters = [c for c in _live if c.primary is None]
    for cluster in clusters:
        cluster.destroy()


def _on_sigterm(signum: int, frame: object) -> None:
    _cleanup_all()
    raise SystemExit(128 + signum)


atexit.register(_cleanup_all)
if threading.current_thread() is threading.main_thread():
    with contextlib.suppress(ValueError):
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _on_sigterm)
