"""`ec lint --trace`: run each statement against a scratch database and report what it really did.

A scratch database ``ec_trace_<random>`` is created on the DSN's server and dropped afterwards
(whatever happens). The file's statements run in order. Each one is first run inside a
transaction that is rolled back, so the locks it took (``pg_locks`` of our own backend) and
whether it rewrote a table or index (``pg_relation_filenode`` before vs after) can be read
while it still holds them; then it is applied for real (committed), so every later statement
sees exactly the schema the earlier statements of the file produce (a ``CREATE TABLE`` three
lines above is there for the ``CREATE INDEX`` that follows it).

Statements that PostgreSQL refuses inside a transaction block (``CREATE INDEX CONCURRENTLY``,
``VACUUM``...) are reported as not traceable in a transaction and are applied in autocommit.
Transaction control in the file (``BEGIN``/``COMMIT``/``ROLLBACK``) is skipped: each statement
gets its own transaction here.

With ``copy_schema=True`` the scratch database first receives a schema-only copy of the DSN's
database (``pg_dump --schema-only``; no rows), so statements on existing tables can be traced.
The scratch tables are empty: whether a statement rewrites or which locks it takes does not
depend on the rows, but how long it would hold them does (see docs/lint/corpus.md).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..db import connect
from ..dsn import redact
from ..errors import ExecutionError

# Locks our own transaction always holds on itself; they say nothing about the statement.
_OWN_LOCKTYPES = ("virtualxid", "transactionid")
_TX_CONTROL = ("begin", "start transaction", "commit", "end", "rollback", "abort")
# Only meaningful inside the transaction they were traced in; applying them alone is an error.
_NOT_APPLIED = ("lock ", "lock table ")

# User relations with storage: tables, indexes, materialized views, TOAST and sequences.
_FILENODES = """
SELECT c.oid::int8, c.oid::regclass::text, c.relkind::text, pg_relation_filenode(c.oid)::int8
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'i', 'm', 't', 'S')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
"""

_LOCKS = """
SELECT l.locktype, l.mode, l.granted,
       CASE WHEN l.locktype = 'relation'
            THEN (SELECT c.oid::regclass::text FROM pg_class c WHERE c.oid = l.relation)
            WHEN l.locktype = 'object'
            THEN pg_describe_object(l.classid, l.objid, l.objsubid::int4)
            ELSE concat_ws(':', l.classid, l.objid, l.objsubid) END
FROM pg_locks l
WHERE l.pid = pg_backend_pid() AND l.locktype <> ALL(%s)
  -- transient relations (the new heap of a rewrite) are gone by the time we look
  AND (l.locktype <> 'relation' OR EXISTS (SELECT FROM pg_class c WHERE c.oid = l.relation))
"""


@dataclass(frozen=True, order=True)
class LockTaken:
    """One lock held by the statement's transaction when the statement finished."""

    locktype: str  # "relation", "object", "advisory", ...
    target: str  # relation name; pg_describe_object() text for object locks
    mode: str  # e.g. "AccessExclusiveLock"
    granted: bool = True


@dataclass
class TraceResult:
    """What one statement did when run against the scratch database."""

    index: int
    statement: str
    transactional: bool = True  # False: PostgreSQL refused it inside a transaction block
    skipped: str | None = None  # why it was not traced (transaction control)
    locks: list[LockTaken] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)  # relations given a new relfilenode
    error: str | None = None  # the statement failed (traced) ...
    apply_error: str | None = None  # ... or applying it after the trace failed

    @property
    def strongest_lock(self) -> str | None:
        modes = [lock.mode for lock in self.locks if lock.locktype == "relation"]
        return max(modes, key=LOCK_STRENGTH.index) if modes else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["strongest_lock"] = self.strongest_lock
        return data


LOCK_STRENGTH = [
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
]


def trace_statements(dsn: str, statements: list[str], *, copy_schema: bool = False) -> list[TraceResult]:
    """Trace every statement of one file, in order, in a scratch database on the DSN's server."""
    with scratch_database(dsn) as scratch_dsn:
        if copy_schema:
            _copy_schema(dsn, scratch_dsn)
        conn = connect(scratch_dsn, application_name="ec lint --trace")
        try:
            # A statement waiting on a lock in a scratch database means something is wrong.
            conn.execute("SET statement_timeout = '60s'")
            return [_trace_one(conn, i, text) for i, text in enumerate(statements)]
        finally:
            conn.close()


@contextlib.contextmanager
def scratch_database(dsn: str) -> Iterator[str]:
    """Create ``ec_trace_<random>`` on the DSN's server; drop it on exit, whatever happens."""
    name = f"ec_trace_{uuid.uuid4().hex[:12]}"
    admin = connect(dsn, application_name="ec lint --trace")
    try:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise ExecutionError(f"cannot create the scratch database {name}: {_one_line(exc)}") from None
        try:
            yield make_conninfo(dsn, dbname=name)
        finally:
            with contextlib.suppress(psycopg.Error):
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
    finally:
        admin.close()


def filenodes(conn: psycopg.Connection) -> dict[int, tuple[str, str, int]]:
    """oid -> (name, relkind, filenode) for every user relation with storage."""
    rows = conn.execute(_FILENODES).fetchall()
    return {oid: (name, kind, node) for oid, name, kind, node in rows if node is not None}


def rewritten_between(before: dict[int, tuple[str, str, int]], after: dict[int, tuple[str, str, int]]) -> list[str]:
    """Relations that got new storage (rewrite, TRUNCATE, REINDEX...), including indexes that a
    type change dropped and rebuilt under the same name (same name, new oid)."""
    out = {after[oid][0] for oid, (_, _, node) in before.items() if oid in after and after[oid][2] != node}
    old_names = {name: oid for oid, (name, _, _) in before.items()}
    for oid, (name, _, _) in after.items():
        if oid not in before and name in old_names and old_names[name] not in after:
            out.add(name)
    return sorted(out)


def own_locks(conn: psycopg.Connection) -> set[LockTaken]:
    """Locks our backend holds now, without our own transaction-id locks."""
    out: set[LockTaken] = set()
    for locktype, mode, granted, target in conn.execute(_LOCKS, (list(_OWN_LOCKTYPES),)).fetchall():
        if target is None:  # an object that no longer exists (the row type of a rewrite's new heap)
            continue
        out.add(LockTaken(locktype, str(target), mode, bool(granted)))
    return out


def _trace_one(conn: psycopg.Connection, index: int, text: str) -> TraceResult:
    result = TraceResult(index=index, statement=text)
    head = " ".join(text.strip().rstrip(";").split()).lower()
    if head in _TX_CONTROL or head.startswith(("begin ", "start transaction", "commit ", "rollback ")):
        result.skipped = "transaction control: every statement is traced in its own transaction"
        return result
    try:
        with conn.transaction(force_rollback=True):
            before_nodes = filenodes(conn)
            before_locks = own_locks(conn)  # the catalog locks of the two queries themselves
            try:
                with conn.transaction():  # a savepoint: a failing statement still rolls back cleanly
                    conn.execute(text.encode())
            except pgerrors.ActiveSqlTransaction:
                result.transactional = False
            except psycopg.Error as exc:
                result.error = _one_line(exc)
            else:
                locks = own_locks(conn) - before_locks
                result.locks = sorted(locks)
                result.rewritten = rewritten_between(before_nodes, filenodes(conn))
    except psycopg.Error as exc:  # e.g. the statement ended the transaction itself
        result.error = result.error or _one_line(exc)
    if result.error is None and not head.startswith(_NOT_APPLIED):
        _apply(conn, result)
    return result


def _apply(conn: psycopg.Connection, result: TraceResult) -> None:
    """Apply the statement for real so the rest of the file sees its effect."""
    try:
        conn.execute(result.statement.encode())
    except psycopg.Error as exc:
        result.apply_error = _one_line(exc)


def _pg_dump_for(source_dsn: str) -> str:
    """A pg_dump whose major version matches the server's (an older one refuses to dump)."""
    conn = connect(source_dsn)
    try:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000  # type: ignore[index]
    finally:
        conn.close()
    candidates = [f"/usr/lib/postgresql/{major}/bin/pg_dump"]
    with contextlib.suppress(Exception):
        from ..testing.binaries import find_binaries

        binaries = find_binaries()
        if binaries.major == major:
            candidates.append(binaries.tool("pg_dump"))
    candidates.append(shutil.which("pg_dump") or "")
    for candidate in candidates:
        if candidate and shutil.which(candidate):
            return candidate
    raise ExecutionError(f"--trace with a schema copy needs pg_dump {major} on PATH")


def _copy_schema(source_dsn: str, scratch_dsn: str) -> None:
    pg_dump = _pg_dump_for(source_dsn)
    params = conninfo_to_dict(source_dsn)
    env = dict(os.environ)
    password = params.pop("password", None)
    if password is not None:  # through the environment, never on a command line others can see
        env["PGPASSWORD"] = str(password)
    proc = subprocess.run(
        [pg_dump, "--schema-only", "--no-owner", "--no-privileges", "--dbname",
         make_conninfo(**params)],  # type: ignore[arg-type]
        capture_output=True, text=True, timeout=300, env=env,
    )
    if proc.returncode != 0:
        raise ExecutionError(f"pg_dump --schema-only failed: {redact(proc.stderr.strip()[-400:])}")
    conn = connect(scratch_dsn)
    try:
        # Recent pg_dump wraps its output in psql meta-commands (\\restrict); they are not SQL.
        script = "\n".join(line for line in proc.stdout.splitlines() if not line.startswith("\\"))
        conn.execute(script.encode())
    except psycopg.Error as exc:
        raise ExecutionError(f"loading the schema copy failed: {_one_line(exc)}") from None
    finally:
        conn.close()


def _one_line(exc: BaseException) -> str:
    return redact(" ".join(str(exc).split()))
