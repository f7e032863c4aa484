"""The throwaway cluster machinery itself: databases, replicas, cleanup."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psycopg

from expandcontract.testing import Cluster, find_binaries


def test_fresh_database_is_empty_and_writable(ec_db):
    assert ec_db.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    ec_db.execute("CREATE TABLE t (id int PRIMARY KEY)")
    ec_db.execute("INSERT INTO t VALUES (1), (2)")
    assert ec_db.scalar("SELECT sum(id) FROM t") == 3


def test_replica_streams_and_replay_can_be_paused(ec_replicated_db):
    replica = ec_replicated_db.replica
    ec_replicated_db.execute("CREATE TABLE t (id int)")
    ec_replicated_db.execute("INSERT INTO t VALUES (1)")
    replica.wait_for_replay()
    with psycopg.connect(ec_replicated_db.replica_dsn()) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    replica.pause_replay()
    ec_replicated_db.execute("INSERT INTO t VALUES (2)")
    with psycopg.connect(ec_replicated_db.replica_dsn()) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    replica.resume_replay()
    replica.wait_for_replay()
    with psycopg.connect(ec_replicated_db.replica_dsn()) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2


def test_cluster_is_removed_when_its_process_is_killed_by_sigterm(tmp_path):
    script = textwrap.dedent(
        """
        import os, sys, time
        from expandcontract.testing import Cluster
        c = Cluster.create()
        print(c.root, c.port, flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    root, port = line[0], int(line[1])
    with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres") as conn:
        assert conn.execute("SELECT 1").fetchone()[0] == 1
    proc.terminate()
    proc.wait(timeout=60)
    import os

    assert not os.path.exists(root)
    try:
        psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", connect_timeout=2)
        raise AssertionError("server still answers after its owner was terminated")
    except psycopg.OperationalError:
        pass


def test_binaries_found_and_version_known():
    binaries = find_binaries()
    assert binaries.major >= 14
    assert (binaries.bindir / "pg_ctl").exists()
    assert isinstance(Cluster, type)
