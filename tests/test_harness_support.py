"""Helpers for the execution tests (no tests here): catalog snapshots, table data, the
migration examples, and the "naive" DDL that a migration's final shape must equal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "migrations_examples"
STATE_SCHEMAS = ("expandcontract",)
MIGRATION_SUFFIXES = (".yaml", ".yml", ".json", ".sql")


def example_dirs() -> list[Path]:
    """Every example directory with a schema.sql and one migration file."""
    found = []
    for d in sorted(EXAMPLES.iterdir()) if EXAMPLES.is_dir() else []:
        if d.is_dir() and (d / "schema.sql").is_file() and migration_file(d) is not None:
            found.append(d)
    return found


def migration_file(d: Path) -> Path | None:
    files = [
        p for p in sorted(d.iterdir())
        if p.suffix in MIGRATION_SUFFIXES and p.name != "schema.sql" and not p.name.startswith(("expected", "_"))
    ]
    preferred = [p for p in files if p.stem == d.name]
    return (preferred or files or [None])[0]


def _user_schemas_sql() -> str:
    excluded = ", ".join(f"'{s}'" for s in STATE_SCHEMAS)
    return (
        "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', " + excluded + ")"
        " AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'"
    )


def snapshot(conn: psycopg.Connection, *, strict: bool = True) -> dict[str, Any]:
    """The user-visible schema. strict: with object names and column order (for "back to
    exactly what it was"); not strict: names of indexes/constraints that only exist under ec's
    or PostgreSQL's generated names are left out, and column order is ignored."""
    user = _user_schemas_sql()
    snap: dict[str, Any] = {}
    rels = conn.execute(
        f"SELECT c.oid, n.nspname || '.' || c.relname, c.relkind FROM pg_class c"
        f" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user}"
        f" AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 2"
    ).fetchall()
    for oid, name, kind in rels:
        cols = conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull,"
            " pg_get_expr(d.adbin, d.adrelid), attidentity, attgenerated"
            " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            " WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (oid,),
        ).fetchall()
        columns = [tuple(c) for c in cols]
        indexes = conn.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisprimary"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s",
            (oid,),
        ).fetchall()
        constraints = conn.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid), convalidated"
            " FROM pg_constraint WHERE conrelid = %s", (oid,),
        ).fetchall()
        triggers = conn.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal",
            (oid,),
        ).fetchall()
        if strict:
            snap[name] = {
                "kind": kind,
                "columns": columns,
                "indexes": sorted((n, d, v) for n, d, v, _ in indexes),
                "constraints": sorted(tuple(c) for c in constraints),
                "triggers": sorted(tuple(t) for t in triggers),
            }
        else:
            snap[name] = {
                "kind": kind,
                "columns": sorted(columns),
                # the definition without its name: "CREATE INDEX ON t USING btree (col)"
                "indexes": sorted(
                    (re.sub(r"INDEX \S+ ON", "INDEX ON", d), v, p) for _, d, v, p in indexes
                ),
                "constraints": sorted((t, d, v) for _, t, d, v in constraints),
                "triggers": sorted(re.sub(r"TRIGGER \S+ ", "TRIGGER ", d) for _, d in triggers),
            }
    funcs = conn.execute(
        f"SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        f" WHERE {user} ORDER BY 1"
    ).fetchall()
    snap["<functions>"] = [f[0] for f in funcs]
    return snap


def table_data(conn: psycopg.Connection, columns: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Every user table's rows, as sorted lists of {column: value} (column order ignored).
    ``columns``: only these tables and columns (reading them as an old app version would)."""
    user = _user_schemas_sql()
    tables = conn.execute(
        f"SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        f" WHERE {user} AND c.relkind IN ('r', 'p') ORDER BY 1, 2"
    ).fetchall()
    if columns is not None:  # read these relations (tables or, after expand, views) by name
        tables = [tuple(key.split(".", 1)) for key in columns]
    out: dict[str, Any] = {}
    for schema, table in tables:
        key = f"{schema}.{table}"
        cols = columns[key] if columns is not None else [
            r[0] for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                " AND NOT attisdropped ORDER BY attname",
                (psycopg.sql.Identifier(schema, table).as_string(conn),),
            ).fetchall()
        ]
        select = ", ".join(psycopg.sql.Identifier(c).as_string(conn) for c in cols)
        rows = conn.execute(
            f"SELECT {select} FROM {psycopg.sql.Identifier(schema, table).as_string(conn)}".encode()
        ).fetchall()
        out[key] = sorted(tuple(zip(cols, map(repr, r), strict=True)) for r in rows)
    return out


def table_columns(conn: psycopg.Connection) -> dict[str, list[str]]:
    snap = snapshot(conn)
    return {
        name: sorted(c[0] for c in info["columns"])
        for name, info in snap.items() if name != "<functions>" and info["kind"] in ("r", "p")
    }


def ec_leftovers(conn: psycopg.Connection) -> list[str]:
    """Objects that must not survive a finished contract or rollback: ec triggers/functions,
    INVALID indexes, NOT VALID constraints."""
    user = _user_schemas_sql()
    rows = conn.execute(
        f"""
        SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user} AND tgname LIKE '\\_ec\\_%%'
        UNION ALL
        SELECT 'function ' || proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE {user} AND proname LIKE '\\_ec\\_%%'
        UNION ALL
        SELECT 'invalid index ' || c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {user} AND NOT i.indisvalid
        UNION ALL
        SELECT 'not valid constraint ' || conname FROM pg_constraint k
          JOIN pg_namespace n ON n.oid = k.connamespace WHERE {user} AND NOT k.convalidated
        """
    ).fetchall()
    return [r[0] for r in rows]


# -- the naive migration: what the final shape must equal ------------------------------------


def _q(*parts: str) -> str:
    return psycopg.sql.Identifier(*parts).as_string(None)


def _table(f: dict[str, Any]) -> str:
    return _q(f["schema"], f["table"]) if f.get("schema") else _q(f["table"])


def _coldef(col: dict[str, Any]) -> str:
    sql = f"{_q(col['name'])} {col['type']}"
    if col.get("default") is not None:
        sql += f" DEFAULT {col['default']}"
    if col.get("primary_key"):
        sql += " PRIMARY KEY"
    if col.get("unique"):
        sql += " UNIQUE"
    ref = col.get("references")
    if ref:
        target = _q(ref["schema"], ref["table"]) if ref.get("schema") else _q(ref["table"])
        sql += f" REFERENCES {target} ({_q(ref['column'])})"
    if col.get("check"):
        sql += f" CHECK ({col['check']})"
    return sql


def naive_sql(document: dict[str, Any]) -> list[str]:
    """The blocking, one-shot DDL with the same end result as the migration (plain ALTERs)."""
    out: list[str] = []
    for item in document["operations"]:
        ((kind, f),) = item.items()
        t = _table(f) if "table" in f else None
        if kind == "create_table":
            defs = []
            for col in f["columns"]:
                d = _coldef(col)
                if col.get("nullable") is False and not col.get("primary_key"):
                    d += " NOT NULL"
                defs.append(d)
            if f.get("primary_key"):
                defs.append(f"PRIMARY KEY ({', '.join(_q(c) for c in f['primary_key'])})")
            out.append(f"CREATE TABLE {t} ({', '.join(defs)})")
        elif kind == "drop_table":
            out.append(f"DROP TABLE {t}")
        elif kind == "rename_table":
            out.append(f"ALTER TABLE {t} RENAME TO {_q(f['to'])}")
        elif kind == "add_column":
            col = f["column"]
            out.append(f"ALTER TABLE {t} ADD COLUMN {_coldef(col)}")
            if f.get("up"):
                out.append(f"UPDATE {t} SET {_q(col['name'])} = ({f['up']})")
            if col.get("nullable") is False:
                out.append(f"ALTER TABLE {t} ALTER COLUMN {_q(col['name'])} SET NOT NULL")
        elif kind == "drop_column":
            out.append(f"ALTER TABLE {t} DROP COLUMN {_q(f['column'])}")
        elif kind == "rename_column":
            out.append(f"ALTER TABLE {t} RENAME COLUMN {_q(f['column'])} TO {_q(f['to'])}")
        elif kind == "alter_column":
            c = _q(f["column"])
            if f.get("type"):
                using = f.get("up") or f"CAST({c} AS {f['type']})"
                out.append(f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {f['type']} USING ({using})")
            if f.get("nullable") is False:
                if f.get("up") and not f.get("type"):  # up fills the NULLs (no type change)
                    out.append(f"UPDATE {t} SET {c} = ({f['up']}) WHERE {c} IS NULL")
                out.append(f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL")
            elif f.get("nullable") is True:
                out.append(f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL")
            if f.get("default") is not None:
                out.append(f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {f['default']}")
            if f.get("drop_default"):
                out.append(f"ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT")
        elif kind == "create_index":
            cols = ", ".join(_q(c) for c in f["columns"])
            sql = (f"CREATE {'UNIQUE ' if f.get('unique') else ''}INDEX {_q(f['name'])} ON {t}"
                   f" USING {f.get('method', 'btree')} ({cols})")
            if f.get("include"):
                sql += f" INCLUDE ({', '.join(_q(c) for c in f['include'])})"
            if f.get("where"):
                sql += f" WHERE {f['where']}"
            out.append(sql)
        elif kind == "drop_index":
            out.append(f"DROP INDEX {_q(f['schema'], f['name']) if f.get('schema') else _q(f['name'])}")
        elif kind == "add_check":
            out.append(f"ALTER TABLE {t} ADD CONSTRAINT {_q(f['name'])} CHECK ({f['check']})")
        elif kind == "add_foreign_key":
            ref = f["references"]
            target = _q(ref["schema"], ref["table"]) if ref.get("schema") else _q(ref["table"])
            sql = (f"ALTER TABLE {t} ADD CONSTRAINT {_q(f['name'])} FOREIGN KEY"
                   f" ({', '.join(_q(c) for c in f['columns'])}) REFERENCES {target}"
                   f" ({', '.join(_q(c) for c in ref['columns'])})")
            if f.get("on_delete"):
                sql += f" ON DELETE {f['on_delete'].upper()}"
            if f.get("on_update"):
                sql += f" ON UPDATE {f['on_update'].upper()}"
            out.append(sql)
        elif kind == "add_unique":
            out.append(f"ALTER TABLE {t} ADD CONSTRAINT {_q(f['name'])} UNIQUE"
                       f" ({', '.join(_q(c) for c in f['columns'])})")
        elif kind == "sql":
            out.append(f["up"])
        else:
            raise AssertionError(f"the harness has no naive model of operation {kind!r}: add one")
    return out


# -- running ec in-process (fast) -------------------------------------------------------------


def ec_inprocess(*args: str) -> tuple[int, str]:
    """Run the real CLI entry point in this process; returns (exit code, stdout + stderr)."""
    import contextlib
    import io

    from expandcontract.cli.main import main

    buf = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, buf.getvalue()


def run_backfills(dsn: str, name: str) -> None:
    """Bring existing rows into the new shape: ec backfill when it exists, else one UPDATE per
    planned backfill (fine for the small example tables)."""
    if (ROOT / "expandcontract" / "cli" / "backfill.py").exists():
        code, out = ec_inprocess("backfill", name, "--verify", "--dsn", dsn)
        assert code == 0, out
        return
    from expandcontract.execution import store

    with psycopg.connect(dsn, autocommit=True) as conn:
        record = store.get_migration(conn, name)
        assert record is not None
        for bf in record.backfills():
            conn.execute(
                f"UPDATE {bf.table.sql} SET {bf.set_clause} WHERE {bf.todo_predicate}".encode()
            )


def clone_database(server: Any, source: str, target: str) -> str:
    """CREATE DATABASE target TEMPLATE source (same rows, same now() defaults); returns its DSN."""
    with server.connect() as conn:
        conn.execute(f"CREATE DATABASE {_q(target)} TEMPLATE {_q(source)}".encode())
    return str(server.dsn(target))
