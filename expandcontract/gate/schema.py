"""The gate's state tables, shared by the runtime (apps register) and the gate (ec reads).

One list of scripts, applied through state.schema.ensure_component, so an app may start
before any ``ec`` command ran and either side creates the same tables. Import-light.
"""

from __future__ import annotations

import psycopg

from ..state.schema import STATE_SCHEMA, ensure_component

COMPONENT = "gate"
INSTANCES = f"{STATE_SCHEMA}.app_instances"
MANIFESTS = f"{STATE_SCHEMA}.app_manifests"
BASELINES = f"{STATE_SCHEMA}.gate_statement_baselines"
BASELINE_ROWS = f"{STATE_SCHEMA}.gate_statement_baseline_rows"

SCRIPTS: list[str] = [
    f"""
    -- What columns each app version uses (see docs/runtime.md for the document format).
    CREATE TABLE {MANIFESTS} (
        app           text NOT NULL,
        version       text NOT NULL,
        manifest_hash text NOT NULL,
        manifest      jsonb NOT NULL,
        source        text,
        stored_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app, version, manifest_hash)
    );
    -- One row per running app instance; heartbeat_at is the database's clock, never the app's.
    CREATE TABLE {INSTANCES} (
        id                 bigserial PRIMARY KEY,
        app                text NOT NULL,
        version            text NOT NULL,
        host               text NOT NULL,
        pid                integer NOT NULL,
        application_name   text NOT NULL,
        manifest_hash      text,
        heartbeat_interval double precision NOT NULL,
        started_at         timestamptz NOT NULL DEFAULT now(),
        heartbeat_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX app_instances_app_version ON {INSTANCES} (app, version);
    -- pg_stat_statements counters when a migration was expanded (PG < 17 has no stats_since).
    CREATE TABLE {BASELINES} (
        migration   text PRIMARY KEY,
        taken_at    timestamptz NOT NULL DEFAULT now(),
        stats_reset timestamptz
    );
    CREATE TABLE {BASELINE_ROWS} (
        migration text NOT NULL REFERENCES {BASELINES} (migration) ON DELETE CASCADE,
        userid    oid NOT NULL,
        queryid   bigint NOT NULL,
        toplevel  boolean NOT NULL,
        calls     bigint NOT NULL,
        PRIMARY KEY (migration, userid, queryid, toplevel)
    );
    """,
]


def ensure_gate_state(conn: psycopg.Connection) -> None:
    ensure_component(conn, COMPONENT, SCRIPTS)


def gate_state_exists(conn: psycopg.Connection) -> bool:
    """True when the registry tables exist (reading evidence never creates them)."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (INSTANCES,)).fetchone()
    return bool(row and row[0])
