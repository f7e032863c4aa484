"""pg_stat_statements as evidence: statements run since expand that use what contract removes.

PostgreSQL < 17 keeps no per-statement first-seen time, so at expand time ec stores a
baseline (queryid -> calls) and later counts the calls made since. PG 17's ``stats_since``
is used when no baseline exists. The extension itself is the DBA's to install.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from ..execution.precontract import Evidence
from ..planning.steps import Requirement, RequirementKind
from . import schema
from .manifest import Manifest
from .requirements import violations

SOURCE = "pg_stat_statements"
EC_MARK = "/* ec:"  # statements ec generates carry this comment and are not app evidence
MAX_SHOWN = 20

CAVEATS = [
    "statements evicted from pg_stat_statements (pg_stat_statements.max) or removed by "
    "pg_stat_statements_reset() before the gate runs are not seen",
    "texts are normalized (constants become $n) and keep the first text seen for a queryid",
    "only statements that ran in this database and completed are counted; a statement that "
    "fails is not recorded",
    "SELECT * and INSERT without a column list count as using every column",
    "UPDATEs that set only columns this migration backfills are taken as ec's backfill",
]


def _relation(conn: psycopg.Connection) -> sql.Composed | None:
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_stat_statements'"
    ).fetchone()
    return sql.SQL("{}.pg_stat_statements").format(sql.Identifier(row[0])) if row else None


def _has_column(conn: psycopg.Connection, rel: sql.Composed, column: str) -> bool:
    row = conn.execute(
        sql.SQL("SELECT count(*) FROM pg_attribute WHERE attrelid = {}::regclass"
                " AND attname = %s AND NOT attisdropped").format(sql.Literal(rel.as_string(conn))),
        (column,),
    ).fetchone()
    return bool(row and row[0])


def _counters(conn: psycopg.Connection, rel: sql.Composed, extra: str = "") -> list[tuple[Any, ...]]:
    toplevel = "toplevel" if _has_column(conn, rel, "toplevel") else "true"
    query = sql.SQL(
        "SELECT userid, queryid, " + toplevel + ", calls, query" + extra + " FROM {}"
        " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND queryid IS NOT NULL"
    ).format(rel)
    return conn.execute(query).fetchall()


def take_baseline(conn: psycopg.Connection, migration: str) -> bool:
    """Store the statement counters now, as the "before" of ``migration`` (replaces any).

    Returns False when pg_stat_statements is not usable here (nothing stored)."""
    schema.ensure_gate_state(conn)
    rel = _relation(conn)
    if rel is None:
        return False
    try:
        with conn.transaction():
            rows = _counters(conn, rel)
            reset = _stats_reset(conn)
            conn.execute(f"DELETE FROM {schema.BASELINES} WHERE migration = %s", (migration,))
            conn.execute(f"INSERT INTO {schema.BASELINES} (migration, stats_reset) VALUES (%s, %s)",
                         (migration, reset))
            with conn.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {schema.BASELINE_ROWS} (migration, userid, queryid, toplevel,"
                    " calls) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [(migration, r[0], r[1], r[2], r[3]) for r in rows],
                )
    except psycopg.errors.ObjectNotInPrerequisiteState:  # installed but not preloaded
        return False
    return True


def _stats_reset(conn: psycopg.Connection) -> Any:
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_stat_statements'"
    ).fetchone()
    if row is None:
        return None
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                          (f'"{row[0]}".pg_stat_statements_info',)).fetchone()
    if not exists or not exists[0]:
        return None
    found = conn.execute(sql.SQL("SELECT stats_reset FROM {}.pg_stat_statements_info").format(
        sql.Identifier(row[0]))).fetchone()
    return found[0] if found else None


def _relevant(text: str, reqs: list[Requirement]) -> bool:
    """Cheap text filter before parsing: mentions a required column/table, or a star."""
    lowered = text.lower()
    if EC_MARK in lowered:
        return False
    for req in reqs:
        if req.table.name.lower() not in lowered:
            continue
        if req.kind is RequirementKind.NOT_REFERENCED and req.column:
            if req.column.lower() in lowered or "*" in lowered:
                return True
        else:
            return True
    return False


def statements_evidence(conn: psycopg.Connection, record: Any, reqs: list[Requirement]) -> Evidence:
    caveats = list(CAVEATS)
    if not reqs:
        return Evidence(SOURCE, True, "the migration requires nothing of live app versions")
    rel = _relation(conn)
    if rel is None:
        return Evidence(SOURCE, True, "not installed in this database (no evidence either way; "
                        "CREATE EXTENSION pg_stat_statements to add it)")
    name = record.name
    baseline = conn.execute(f"SELECT taken_at, stats_reset FROM {schema.BASELINES}"
                            " WHERE migration = %s", (name,)).fetchone()
    since_col = _has_column(conn, rel, "stats_since")
    expanded_at = getattr(record, "expanded_at", None)
    try:
        rows = _counters(conn, rel, ", stats_since" if since_col else "")
    except psycopg.errors.ObjectNotInPrerequisiteState:
        return Evidence(SOURCE, True, "installed but not loaded (shared_preload_libraries); "
                        "no evidence either way")
    if baseline is not None:
        base = {(r[0], r[1], r[2]): r[3] for r in conn.execute(
            f"SELECT userid, queryid, toplevel, calls FROM {schema.BASELINE_ROWS}"
            " WHERE migration = %s", (name,))}
        taken_at = baseline[0]
        if expanded_at is not None and (taken_at - expanded_at).total_seconds() > 60:
            caveats.append(f"the baseline was taken at {taken_at:%Y-%m-%d %H:%M:%S %Z}, after "
                           "expand: statements between expand and then are not seen")

        def new_calls(row: tuple[Any, ...]) -> int:
            before = base.get((row[0], row[1], row[2]), 0)
            # Fewer calls than at the baseline: evicted or reset since, so all are newer.
            return int(row[3] - before if row[3] >= before else row[3])
    elif since_col and expanded_at is not None:
        caveats.append("no baseline from expand time: only statements first seen after expand "
                       "(stats_since) are considered")

        def new_calls(row: tuple[Any, ...]) -> int:
            return int(row[3]) if row[5] is not None and row[5] > expanded_at else 0
    else:
        take_baseline(conn, name)
        return Evidence(SOURCE, False, "no baseline of statement counters from expand time; "
                        "took one now: run the gate again to see statements from now on",
                        [], caveats)
    return _judge(rows, reqs, new_calls, caveats, _backfill_writes(record))


def _backfill_writes(record: Any) -> dict[str, set[str]]:
    """table name -> columns the migration's own backfills set: ec's batches, not an app."""
    try:
        backfills = record.backfills()
    except Exception:  # a record without a stored plan: nothing to exclude
        return {}
    found: dict[str, set[str]] = {}
    for bf in backfills:
        found.setdefault(bf.table.name.lower(), set()).update(col for col, _ in bf.set)
    return found


def _is_backfill(statement: Any, backfill_writes: dict[str, set[str]]) -> bool:
    """An UPDATE that sets only columns a backfill of this migration fills (old versions do not
    know those columns, so such a statement is ec's backfill or a new version)."""
    from sqlglot import exp

    if not isinstance(statement, exp.Update) or not isinstance(statement.this, exp.Table):
        return False
    cols = backfill_writes.get(statement.this.name.lower())
    set_cols = {e.this.name for e in statement.expressions
                if isinstance(e, exp.EQ) and isinstance(e.this, exp.Column)}
    return bool(cols and set_cols and set_cols <= cols)


def _judge(rows: list[tuple[Any, ...]], reqs: list[Requirement], new_calls: Any,
           caveats: list[str], backfill_writes: dict[str, set[str]]) -> Evidence:
    from sqlglot.errors import ParseError, SqlglotError

    from .sqlrefs import add_uses, parse, uses

    details: list[dict[str, Any]] = []
    unparsable = 0
    total = 0
    for row in rows:
        calls = new_calls(row)
        if calls <= 0 or not row[2] or not _relevant(row[4], reqs):
            continue
        try:
            statements = parse(row[4])
        except (ParseError, SqlglotError):
            unparsable += 1
            continue
        manifest = Manifest()
        for statement in statements:
            if not _is_backfill(statement, backfill_writes):
                add_uses(manifest, uses(statement))
        whys = [v.why for v in violations(manifest, reqs)]
        if whys:
            total += calls
            details.append({"queryid": row[1], "calls_since_expand": calls,
                            "query": " ".join(row[4].split())[:300], "violations": whys})
    if unparsable:
        caveats.append(f"{unparsable} statement(s) mentioning the affected tables could not be "
                       "parsed and were not judged")
    details.sort(key=lambda d: -int(d["calls_since_expand"]))
    if details:
        first = details[0]
        summary = (f"{len(details)} statement(s) ran {total} time(s) since expand using what "
                   f"contract removes, e.g. {first['query'][:120]!r} ({', '.join(first['violations'])})")
        return Evidence(SOURCE, False, summary, details[:MAX_SHOWN], caveats)
    return Evidence(SOURCE, True, "no statement run since expand uses what contract removes",
                    [], caveats)
