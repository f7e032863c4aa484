"""Where test databases come from: a throwaway cluster, an existing server, or a container."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..errors import ExecutionError
from .binaries import find_binaries
from .cluster import Cluster


@dataclass
class ExternalServer:
    """An already-running server (EC_TEST_DSN, or a testcontainers container)."""

    admin_dsn: str
    replicas: list[Cluster] = field(default_factory=list)

    def dsn(self, dbname: str = "postgres") -> str:
        return make_conninfo(self.admin_dsn, dbname=dbname)

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), autocommit=True)

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def destroy(self) -> None:
        pass


Server = Cluster | ExternalServer


def docker_available() -> bool:
    """True when a Docker engine answers (testcontainers needs one, not just the client)."""
    try:
        import docker  # type: ignore[import-not-found]

        docker.from_env().ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def _container_server() -> Iterator[ExternalServer]:
    from testcontainers.postgres import PostgresContainer  # type: ignore[import-not-found]

    with PostgresContainer("postgres:16", driver=None) as container:
        url = container.get_connection_url()
        yield ExternalServer(make_conninfo(url))


@contextlib.contextmanager
def test_server(replicas: int = 0) -> Iterator[Server]:
    """EC_TEST_DSN if set; else a throwaway cluster from local binaries; a testcontainers server
    when EC_TEST_BACKEND=docker, or when there are no local binaries and a Docker engine answers."""
    external = os.environ.get("EC_TEST_DSN")
    if external and replicas == 0:
        conninfo_to_dict(external)  # fail early on a malformed DSN
        yield ExternalServer(external)
        return
    backend = os.environ.get("EC_TEST_BACKEND", "auto")
    wants_docker = backend == "docker" or (backend == "auto" and not _local_binaries())
    if replicas == 0 and wants_docker and docker_available():
        with _container_server() as server:
            yield server
        return
    cluster = Cluster.create()
    try:
        for _ in range(replicas):
            cluster.add_replica()
        yield cluster
    finally:
        cluster.destroy()


def _local_binaries() -> bool:
    try:
        find_binaries()
        return True
    except ExecutionError:
        return False


def unique_db_name(prefix: str = "ec_test") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
