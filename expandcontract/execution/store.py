"""The execution state in the target database: migrations, their step journal, the audit log.

Everything a run knows lives here (schema ``expandcontract``), so any host can continue what
another started. Tables are created and upgraded through state.schema.ensure_component: append a
script to ``_SCRIPTS`` to change them, never edit an applied one.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .. import __version__
from ..errors import InputError
from ..state.schema import STATE_SCHEMA, ensure_component

if TYPE_CHECKING:
    from ..planning.model import Migration

S = STATE_SCHEMA

PHASES = ("expanding", "expanded", "contracting", "contracted", "rolling_back", "rolled_back")

_V1 = f"""
CREATE TABLE {S}.migrations (
    name                text PRIMARY KEY,
    phase               text NOT NULL CHECK (phase IN {PHASES!r}),
    document            jsonb NOT NULL,
    document_hash       text NOT NULL,
    source              text,
    -- The plan computed against the pre-expand catalog; contract/rollback/resume replay it.
    plan                jsonb NOT NULL,
    round               integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    expand_started_at   timestamptz,
    expanded_at         timestamptz,
    contract_started_at timestamptz,
    contracted_at       timestamptz,
    rollback_started_at timestamptz,
    rolled_back_at      timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE {S}.step_journal (
    migration   text NOT NULL REFERENCES {S}.migrations (name) ON DELETE CASCADE,
    round       integer NOT NULL,
    phase       text NOT NULL,
    step_index  integer NOT NULL,
    description text NOT NULL,
    sql         text NOT NULL,
    status      text NOT NULL CHECK (status IN ('running', 'done', 'skipped', 'failed')),
    started_at  timestamptz,
    finished_at timestamptz,
    error       text,
    attempts    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (migration, round, phase, step_index)
);
CREATE TABLE {S}.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    migration   text,
    action      text NOT NULL,
    db_user     text NOT NULL DEFAULT current_user,
    os_user     text,
    hostname    text,
    pid         integer,
    ec_version  text,
    detail      jsonb NOT NULL DEFAULT '{{}}'
);
CREATE INDEX ON {S}.audit_log (migration, at);
-- Who holds a migration's advisory lock (matched to pg_locks by backend_pid).
CREATE TABLE {S}.run_owner (
    migration   text PRIMARY KEY,
    action      text NOT NULL,
    backend_pid integer NOT NULL,
    os_pid      integer NOT NULL,
    hostname    text NOT NULL,
    os_user     text,
    started_at  timestamptz NOT NULL DEFAULT now()
);
"""

_SCRIPTS = [_V1]


def ensure_state(conn: psycopg.Connection) -> None:
    """Create or upgrade the execution state tables (idempotent, no superuser needed)."""
    ensure_component(conn, "execution", _SCRIPTS)


def document_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


@dataclass
class MigrationRecord:
    name: str
    phase: str
    document: dict[str, Any]
    created_at: datetime
    expanded_at: datetime | None = None
    contracted_at: datetime | None = None
    rolled_back_at: datetime | None = None
    expand_started_at: datetime | None = None
    contract_started_at: datetime | None = None
    rollback_started_at: datetime | None = None
    updated_at: datetime | None = None
    source: str | None = None
    document_hash: str = ""
    round: int = 1
    plan: dict[str, Any] = field(default_factory=dict)

    def migration(self) -> Migration:
        """The migration rebuilt from the stored document."""
        import yaml

        from ..planning.load_yaml import load_migration_text

        text = yaml.safe_dump(self.document, sort_keys=False)
        return load_migration_text(text, f"<stored migration {self.name}>", default_name=self.name)

    def steps(self, phase: str) -> list[Any]:
        """The stored steps of ``phase`` ("expand", "contract", "rollback") as Step objects."""
        from .stepcodec import step_from_json

        return [step_from_json(s) for s in self.plan.get(phase, [])]

    def backfills(self) -> list[Any]:
        """The stored backfills as planning.steps.Backfill objects."""
        from .stepcodec import backfill_from_json

        return [backfill_from_json(b) for b in self.plan.get("backfill", [])]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phase": self.phase,
            "source": self.source,
            "round": self.round,
            "created_at": self.created_at,
            "expand_started_at": self.expand_started_at,
            "expanded_at": self.expanded_at,
            "contract_started_at": self.contract_started_at,
            "contracted_at": self.contracted_at,
            "rollback_started_at": self.rollback_started_at,
            "rolled_back_at": self.rolled_back_at,
            "updated_at": self.updated_at,
        }


_COLUMNS = (
    "name, phase, document, created_at, expanded_at, contracted_at, rolled_back_at, "
    "expand_started_at, contract_started_at, rollback_started_at, updated_at, source, "
    "document_hash, round, plan"
)


def _record(row: dict[str, Any]) -> MigrationRecord:
    return MigrationRecord(**row)


def _state_exists(conn: psycopg.Connection) -> bool:
    """Whether ec has ever run here: reads must work for a read-only role and must not
    create the state schema as a side effect."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{S}.migrations",)).fetchone()
    return bool(row and row[0])


def get_migration(conn: psycopg.Connection, name: str) -> MigrationRecord | None:
    if not _state_exists(conn):
        return None
    ensure_state(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(f"SELECT {_COLUMNS} FROM {S}.migrations WHERE name = %s", (name,)).fetchone()
    return _record(row) if row else None


def require_migration(conn: psycopg.Connection, name: str, *, hint: str = " (see ec status)") -> MigrationRecord:
    """The migration, or InputError (exit 2) when this database has never expanded it."""
    record = get_migration(conn, name)
    if record is None:
        raise InputError(f"unknown migration {name!r}: it has never been expanded in this database{hint}")
    return record


def list_migrations(conn: psycopg.Connection) -> list[MigrationRecord]:
    if not _state_exists(conn):
        return []
    ensure_state(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(f"SELECT {_COLUMNS} FROM {S}.migrations ORDER BY created_at, name").fetchall()
    return [_record(r) for r in rows]


def create_migration(
    conn: psycopg.Connection, name: str, document: dict[str, Any], source: str | None,
    plan: dict[str, Any],
) -> MigrationRecord:
    conn.execute(
        f"INSERT INTO {S}.migrations (name, phase, document, document_hash, source, plan,"
        " expand_started_at) VALUES (%s, 'expanding', %s, %s, %s, %s, now())",
        (name, Jsonb(document), document_hash(document), source, Jsonb(plan)),
    )
    return require_migration(conn, name)


def restart_migration(
    conn: psycopg.Connection, name: str, document: dict[str, Any], source: str | None,
    plan: dict[str, Any],
) -> MigrationRecord:
    """Expand again after a rollback: a new round with a fresh plan (maybe a new document)."""
    conn.execute(
        f"UPDATE {S}.migrations SET phase = 'expanding', document = %s, document_hash = %s,"
        " source = %s, plan = %s, round = round + 1, expand_started_at = now(),"
        " expanded_at = NULL, contract_started_at = NULL, contracted_at = NULL,"
        " rollback_started_at = NULL, rolled_back_at = NULL, updated_at = now() WHERE name = %s",
        (Jsonb(document), document_hash(document), source, Jsonb(plan), name),
    )
    return require_migration(conn, name)


_PHASE_TIMESTAMP = {
    "expanding": "expand_started_at",
    "expanded": "expanded_at",
    "contracting": "contract_started_at",
    "contracted": "contracted_at",
    "rolling_back": "rollback_started_at",
    "rolled_back": "rolled_back_at",
}


def set_phase(conn: psycopg.Connection, name: str, phase: str) -> None:
    column = _PHASE_TIMESTAMP[phase]
    conn.execute(
        f"UPDATE {S}.migrations SET phase = %s, {column} = coalesce({column}, now()),"
        " updated_at = now() WHERE name = %s",
        (phase, name),
    )


def transition(conn: psycopg.Connection, name: str, phase: str, action: str,
               detail: dict[str, Any]) -> None:
    """Move the migration to ``phase`` and audit it, both or neither."""
    with conn.transaction():
        set_phase(conn, name, phase)
        audit(conn, name, action, detail)


# -- the step journal ------------------------------------------------------------------------


@dataclass
class JournalEntry:
    step_index: int
    description: str
    status: str
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


def journal(conn: psycopg.Connection, name: str, round_: int, phase: str) -> dict[int, JournalEntry]:
    rows = conn.execute(
        f"SELECT step_index, description, status, attempts, started_at, finished_at, error"
        f" FROM {S}.step_journal WHERE migration = %s AND round = %s AND phase = %s",
        (name, round_, phase),
    ).fetchall()
    return {r[0]: JournalEntry(*r) for r in rows}


def journal_write(
    conn: psycopg.Connection, name: str, round_: int, phase: str, index: int, description: str,
    sql: str, status: str, *, attempts: int = 1, error: str | None = None,
) -> None:
    """Record a step's outcome (in the caller's transaction, so it commits with the DDL)."""
    conn.execute(
        f"INSERT INTO {S}.step_journal (migration, round, phase, step_index, description, sql,"
        " status, started_at, finished_at, error, attempts)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, now(), CASE WHEN %s <> 'running' THEN clock_timestamp() END, %s, %s)"
        " ON CONFLICT (migration, round, phase, step_index) DO UPDATE SET status = EXCLUDED.status,"
        " description = EXCLUDED.description, sql = EXCLUDED.sql,"
        " finished_at = EXCLUDED.finished_at, error = EXCLUDED.error,"
        f" attempts = {S}.step_journal.attempts + EXCLUDED.attempts",
        (name, round_, phase, index, description, sql, status, status, error, attempts),
    )


# -- the audit log ---------------------------------------------------------------------------


def os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): not worth failing a migration over
        return None


def audit(conn: psycopg.Connection, migration_name: str | None, action: str, detail: dict[str, Any]) -> None:
    """Append who (db user, OS user, host, pid, ec version) did what, when, to the audit log."""
    ensure_state(conn)
    conn.execute(
        f"INSERT INTO {S}.audit_log (migration, action, os_user, hostname, pid, ec_version, detail)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (migration_name, action, os_user(), socket.gethostname(), os.getpid(), __version__,
         Jsonb(detail)),
    )


def audit_entries(conn: psycopg.Connection, migration_name: str) -> list[dict[str, Any]]:
    ensure_state(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT at, action, db_user, os_user, hostname, pid, ec_version, detail"
            f" FROM {S}.audit_log WHERE migration = %s ORDER BY id",
            (migration_name,),
        ).fetchall()
