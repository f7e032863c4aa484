"""Read the live schema: tables, columns and their types, keys, sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg

from .planning.steps import TableRef


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # format_type(), e.g. "integer", "character varying(20)"
    not_null: bool
    default: str | None


@dataclass
class TableInfo:
    schema: str
    name: str
    oid: int
    columns: dict[str, ColumnInfo] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()
    # None: the table was never analyzed (no VACUUM, ANALYZE or autovacuum yet), so
    # PostgreSQL has no row count to scale; see _ROWS.
    est_rows: int | None = 0
    total_bytes: int = 0
    sized: bool = True  # False: another session's lock kept the size from being read
    indexes: set[str] = field(default_factory=set)
    constraints: set[str] = field(default_factory=set)

    @property
    def display(self) -> str:
        return f"{self.schema}.{self.name}"


# The planner's own estimate: the tuple density of the last VACUUM/ANALYZE (reltuples /
# relpages) times the heap's current number of pages. A heap of zero pages holds no row at
# all. reltuples is -1 (PG14+) or relpages 0 (older) when the table was never analyzed: then
# there is no density to scale, and the estimate is unknown (NULL), not 0. A partitioned
# table holds no rows itself: its leaf partitions are summed (unknown if any one is).
_SIZE = """
SELECT CASE WHEN count(*) = 0 THEN 0 WHEN bool_and(est IS NOT NULL) THEN sum(est)::bigint END,
       coalesce(sum(pg_total_relation_size(relid)), 0)::bigint
FROM (
    SELECT t.relid,
           CASE
               WHEN pg_relation_size(t.relid) = 0 THEN 0
               WHEN p.reltuples >= 0 AND p.relpages > 0 THEN
                   round(p.reltuples / p.relpages * (pg_relation_size(t.relid)
                         / current_setting('block_size')::bigint))
           END AS est
    FROM (SELECT relid FROM pg_partition_tree(%(oid)s::oid) WHERE isleaf
          UNION SELECT %(oid)s::oid
         ) t JOIN pg_class p ON p.oid = t.relid
    WHERE p.relkind <> 'p'
) leaves
"""


class Catalog:
    """A lazily filled view of the live catalog, one query per table looked up."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._tables: dict[TableRef, TableInfo | None] = {}

    def table(self, ref: TableRef) -> TableInfo | None:
        if ref not in self._tables:
            self._tables[ref] = self._load(ref)
        return self._tables[ref]

    def forget(self, ref: TableRef) -> None:
        self._tables.pop(ref, None)

    def _load(self, ref: TableRef) -> TableInfo | None:
        row = self.conn.execute(
            """
            SELECT c.oid, n.nspname, c.relname
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = to_regclass(%s) AND c.relkind IN ('r', 'p')
            """,
            (ref.sql,),
        ).fetchone()
        if row is None:
            return None
        oid, schema, name = row
        sizes = self._sizes(oid)
        est_rows, total_bytes = sizes if sizes else (None, 0)
        info = TableInfo(schema, name, oid, est_rows=est_rows, total_bytes=total_bytes,
                         sized=sizes is not None)
        for col, typ, notnull, default in self.conn.execute(
            """
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
            """,
            (oid,),
        ):
            info.columns[col] = ColumnInfo(col, typ, notnull, default)
        pk = self.conn.execute(
            """
            SELECT array_agg(a.attname ORDER BY k.ord)
            FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = %s AND i.indisprimary
            """,
            (oid,),
        ).fetchone()
        if pk and pk[0]:
            info.primary_key = tuple(pk[0])
        info.indexes = {
            r[0] for r in self.conn.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = %s", (oid,))
        }
        info.constraints = {
            r[0] for r in self.conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s", (oid,))
        }
        return info

    def _sizes(self, oid: int) -> tuple[int | None, int] | None:
        """The size row, or None when it would mean waiting for a lock: pg_relation_size takes
        ACCESS SHARE, which queues behind a session holding (or awaiting) ACCESS EXCLUSIVE, and
        a plan must not hang on a size for as long as that session lasts."""
        previous = self.conn.execute("SHOW lock_timeout").fetchone()
        try:
            with self.conn.transaction():
                self.conn.execute("SET lock_timeout = '500ms'")
                row = self.conn.execute(_SIZE, {"oid": oid}).fetchone()
        except psycopg.errors.LockNotAvailable:
            return None
        finally:
            if previous:
                self.conn.execute("SELECT set_config('lock_timeout', %s, false)", (previous[0],))
        return (row[0], row[1]) if row else (None, 0)

    def index_exists(self, name: str, schema: str | None = None) -> bool:
        ref = TableRef(name, schema)
        row = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (ref.sql,)).fetchone()
        return bool(row and row[0])

    def type_exists(self, type_sql: str) -> bool:
        try:
            row = self.conn.execute("SELECT to_regtype(%s) IS NOT NULL", (type_sql,)).fetchone()
        except psycopg.Error:
            return False
        return bool(row and row[0])
