"""Versioned state tables, one component at a time (execution, backfill, gate, ...).

Each component owns an ordered list of DDL scripts; ``schema_version`` records how many of
them have been applied, so a newer ec upgrades an older state schema in place. Needs only
CREATE on the database (no superuser, no event triggers). Concurrent first uses are
serialised by an advisory transaction lock.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

STATE_SCHEMA = "expandcontract"
_LOCK_KEY = 0x6563_5354  # "ecST": serialises state-schema upgrades across hosts

_BOOTSTRAP = f"""
CREATE SCHEMA IF NOT EXISTS {STATE_SCHEMA};
CREATE TABLE IF NOT EXISTS {STATE_SCHEMA}.schema_version (
    component  text PRIMARY KEY,
    version    integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

_checked: set[tuple[str, str, int]] = set()


def ensure_component(conn: psycopg.Connection, component: str, scripts: Sequence[str]) -> None:
    """Apply the scripts of ``component`` not yet applied in this database (idempotent)."""
    key = (str(conn.info.dsn), component, len(scripts))
    if key in _checked:
        return
    with conn.transaction():
        current = _current_version(conn, component)
        if current is None or current < len(scripts):
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            conn.execute(_BOOTSTRAP)
            current = _current_version(conn, component) or 0
            for script in scripts[current:]:
                conn.execute(script)  # type: ignore[arg-type]
            conn.execute(
                f"INSERT INTO {STATE_SCHEMA}.schema_version (component, version) VALUES (%s, %s)"
                " ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, updated_at = now()",
                (component, len(scripts)),
            )
        elif current > len(scripts):
            from ..errors import ExecutionError

            raise ExecutionError(
                f"the database's ec state ({component} v{current}) is newer than this ec "
                f"understands (v{len(scripts)}): upgrade ec"
            )
    _checked.add(key)


def _current_version(conn: psycopg.Connection, component: str) -> int | None:
    exists = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL", (f"{STATE_SCHEMA}.schema_version",)
    ).fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute(
        f"SELECT version FROM {STATE_SCHEMA}.schema_version WHERE component = %s", (component,)
    ).fetchone()
    return int(row[0]) if row else None
