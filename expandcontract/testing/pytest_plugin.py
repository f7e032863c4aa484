"""pytest fixtures: a fresh database per test, and a primary + streaming replica pair.

Registered through the ``pytest11`` entry point, so any project that installs expandcontract
can use ``ec_db`` and ``ec_replicated_db`` in its own migration tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from .cluster import Cluster
from .servers import ExternalServer, Server, test_server, unique_db_name


@dataclass
class TestDatabase:
    """A database created for one test and dropped after it."""

    __test__ = False  # not a pytest test class

    server: Server
    name: str
    dsn: str

    def connect(self, **kwargs: Any) -> psycopg.Connection:
        kwargs.setdefault("autocommit", True)
        return psycopg.connect(self.dsn, **kwargs)

    def execute(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run one statement (autocommit) and return its rows, if any."""
        with self.connect() as conn:
            cur = conn.execute(query.encode() if params is None else query, params)  # type: ignore[call-overload]
            return cur.fetchall() if cur.description else []

    def scalar(self, query: str, params: Any = None) -> Any:
        rows = self.execute(query, params)
        return rows[0][0] if rows else None

    @property
    def replica(self) -> Cluster | None:
        return self.server.replicas[0] if self.server.replicas else None

    def replica_dsn(self, index: int = 0) -> str:
        replica = self.server.replicas[index]
        return replica.dsn(self.name)


@pytest.fixture(scope="session")
def ec_server() -> Iterator[Server]:
    with test_server() as server:
        yield server


@pytest.fixture(scope="session")
def ec_replicated_server() -> Iterator[Cluster]:
    with test_server(replicas=1) as server:
        assert isinstance(server, Cluster)
        yield server


def _database(server: Server) -> Iterator[TestDatabase]:
    name = unique_db_name()
    dsn = server.create_database(name)
    try:
        yield TestDatabase(server, name, dsn)
    finally:
        try:
            if isinstance(server, Cluster):
                for replica in server.replicas:
                    if replica.running:
                        replica.resume_replay()
            server.drop_database(name)
        except psycopg.Error:
            pass


@pytest.fixture
def ec_db(ec_server: Server) -> Iterator[TestDatabase]:
    """A fresh, empty database on the session's throwaway server."""
    yield from _database(ec_server)


@pytest.fixture
def ec_replicated_db(ec_replicated_server: Cluster) -> Iterator[TestDatabase]:
    """A fresh database on a primary that has one streaming replica (``db.replica``)."""
    yield from _database(ec_replicated_server)


__all__ = ["ExternalServer", "TestDatabase"]
