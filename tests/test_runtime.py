"""expandcontract.runtime: light to import, never breaks the app, registers and deregisters."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from expandcontract.runtime import dsn_with_app_name, parse_application_name, register
from expandcontract.testing.cluster import free_port

MANIFEST = {"tables": {"orders": {"reads": ["id"], "writes": ["id"]}}}


def test_import_pulls_in_no_cli_dependencies() -> None:
    code = ("import sys, expandcontract.runtime; "
            "print(sorted(m for m in ('click', 'rich', 'pglast', 'sqlglot', 'pydantic', 'yaml')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unreachable_database_logs_a_warning_and_the_app_continues(
        caplog: pytest.LogCaptureFixture) -> None:
    dsn = f"host=127.0.0.1 port={free_port()} user=nobody password=s3cret dbname=x"
    with caplog.at_level(logging.WARNING, logger="expandcontract.runtime"):
        reg = register("orders", "v1", MANIFEST, dsn=dsn, heartbeat_interval=0.2)
    try:
        assert not reg.registered
        assert any("cannot register ec:orders@v1" in r.getMessage() for r in caplog.records)
        assert all("s3cret" not in r.getMessage() for r in caplog.records)
    finally:
        reg.close()


@pytest.fixture
def blackhole_port() -> Iterator[int]:
    """A loopback port that never answers: a listening socket that never accepts, with its
    backlog filled, so further connection attempts hang (their SYNs are dropped)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):
            client = socket.socket()
            client.settimeout(0.5)
            try:
                client.connect(("127.0.0.1", port))
            except OSError:  # timed out: the backlog is full
                client.close()
                break
            fillers.append(client)
        else:
            pytest.fail("could not fill the backlog of the blackhole socket")
        yield port
    finally:
        for client in fillers:
            client.close()
        server.close()


def test_register_holds_start_up_at_most_connect_timeout(
        blackhole_port: int, caplog: pytest.LogCaptureFixture) -> None:
    dsn = f"host=127.0.0.1 port={blackhole_port} user=nobody dbname=x"
    with caplog.at_level(logging.WARNING, logger="expandcontract.runtime"):
        started = time.monotonic()
        reg = register("orders", "v1", MANIFEST, dsn=dsn, connect_timeout=1)
        held = time.monotonic() - started
    try:
        # Generous bound: without connect_timeout the hold is the 5 s default (longer with
        # several addresses); the psycopg connect itself cannot give up before 2 s.
        assert held < 4
        assert not reg.registered
        assert any("no answer from the database within 1s" in r.getMessage() for r in caplog.records)
    finally:
        reg.close()


def test_connect_timeout_must_be_positive() -> None:
    with pytest.raises(ValueError, match="connect_timeout"):
        register("orders", "v1", MANIFEST, dsn="host=127.0.0.1 port=1", connect_timeout=0)


def test_register_heartbeat_and_close(ec_db: Any) -> None:
    with register("orders", "v7", MANIFEST, dsn=ec_db.dsn, heartbeat_interval=0.2,
                  handle_sigterm=False) as reg:
        assert reg.registered
        row = ec_db.execute(
            "SELECT app, version, pid, application_name, manifest_hash, heartbeat_interval"
            " FROM expandcontract.app_instances WHERE id = %s", (reg.instance_id,))
        assert row == [("orders", "v7", __import__("os").getpid(), "ec:orders@v7",
                        reg.manifest_hash, 0.2)]
        stored = ec_db.scalar("SELECT manifest FROM expandcontract.app_manifests"
                              " WHERE app = 'orders' AND version = 'v7'")
        assert stored["tables"] == {"orders": {"reads": ["id"], "writes": ["id"]}}
        first = ec_db.scalar("SELECT heartbeat_at FROM expandcontract.app_instances")
        # The heartbeat thread advances heartbeat_at (wait for it, not for a time).
        with ec_db.connect() as conn:
            for _ in range(100):
                now = conn.execute("SELECT heartbeat_at FROM expandcontract.app_instances"
                                   ).fetchone()[0]  # type: ignore[index]
                if now > first:
                    break
                conn.execute("SELECT pg_sleep(0.05)")
        assert now > first
    assert ec_db.scalar("SELECT count(*) FROM expandcontract.app_instances") == 0


def test_psycopg_connection_is_tagged(ec_db: Any) -> None:
    with psycopg.connect(ec_db.dsn) as conn:  # not autocommit: tagging commits its own SET
        reg = register("billing", "2.1", None, connection=conn, heartbeat_interval=5,
                       handle_sigterm=False)
        try:
            assert conn.execute("SHOW application_name").fetchone() == ("ec:billing@2.1",)
            assert reg.registered and reg.manifest_hash is None
        finally:
            reg.close()
    tagged = dsn_with_app_name(ec_db.dsn, "billing", "2.1")
    with psycopg.connect(tagged) as conn:
        name = conn.execute("SHOW application_name").fetchone()[0]  # type: ignore[index]
    assert parse_application_name(name) == ("billing", "2.1")
    assert parse_application_name("psql") is None


def test_version_too_long_for_application_name_still_registers_untagged(
        ec_db: Any, caplog: pytest.LogCaptureFixture) -> None:
    # e.g. a long image tag: PostgreSQL keeps 63 bytes of application_name. Start-up must not
    # fail over it; the registry still lists the instance under its full version.
    version = "1.4.0-rc.1+build.20240501." + "0123456789abcdef" * 3
    with caplog.at_level(logging.WARNING, logger="expandcontract.runtime"):
        reg = register("customer-notifications", version, MANIFEST, dsn=ec_db.dsn,
                       heartbeat_interval=0.2, handle_sigterm=False)
    with reg:
        assert reg.registered
        assert reg.connect_kwargs() == {}  # no tag rather than a wrong, truncated one
        assert ec_db.execute("SELECT app, version FROM expandcontract.app_instances") == [
            ("customer-notifications", version)]
        assert any("application_name" in r.getMessage() for r in caplog.records)
    assert ec_db.scalar("SELECT count(*) FROM expandcontract.app_instances") == 0
