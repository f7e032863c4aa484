"""Nested models shared by operations (column definitions, foreign key targets) and the
small SQL helpers that go with them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import InputError
from ..planning.steps import TableRef
from ..sqltext import ident
from .base import PlanContext

# A SQL type as written in a migration: words, digits, (typmods), [] and quoted names; no ';'
# and no comment markers, so a type can never smuggle in a second statement.
_TYPE_RE = re.compile(r'^[\w\s.,()\[\]"]+$', re.UNICODE)
# A default that PostgreSQL can store in the catalog without rewriting the table (PG11+
# "fast default"): a plain literal, optionally cast.
_CONST_DEFAULT_RE = re.compile(
    r"""^\s*(?:[-+]?\d+(?:\.\d+)?|'(?:[^']|'')*'|true|false|null)"""
    r"""(?:\s*::\s*[\w\s.,()\[\]"]+)?\s*$""",
    re.IGNORECASE,
)
# User SQL goes inside $ec$...$ec$ in trigger functions: it must not close that quote.
DOLLAR_TAG = "$ec$"


def check_type_text(value: str) -> str:
    value = value.strip()
    if not value or not _TYPE_RE.match(value) or "--" in value:
        raise ValueError(f"not a valid SQL type: {value!r}")
    return value


def check_sql_text(value: str) -> str:
    """An SQL expression the user writes (up, down, default, check): non-empty and safe to
    embed in a dollar-quoted function body."""
    if not value.strip():
        raise ValueError("must not be empty")
    if DOLLAR_TAG in value:
        raise ValueError(f"must not contain {DOLLAR_TAG}")
    from ._exprcols import check_expression

    check_expression(value)
    return value


def is_constant_default(expr: str) -> bool:
    """True for literal defaults, which ADD COLUMN stores without rewriting the table."""
    return bool(_CONST_DEFAULT_RE.match(expr))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ForeignKeyTarget(_Model):
    """``references:`` of a single column."""

    table: str = Field(min_length=1)
    schema_: str | None = Field(default=None, alias="schema")
    column: str = Field(min_length=1)

    @property
    def ref(self) -> TableRef:
        return TableRef(self.table, self.schema_)


class ForeignKeyTargets(_Model):
    """``references:`` of add_foreign_key: several columns of one table."""

    table: str = Field(min_length=1)
    schema_: str | None = Field(default=None, alias="schema")
    columns: list[str] = Field(min_length=1)

    @property
    def ref(self) -> TableRef:
        return TableRef(self.table, self.schema_)


class ColumnDef(_Model):
    """A column as add_column takes it."""

    name: str = Field(min_length=1)
    type: str
    nullable: bool = True
    default: str | None = None
    unique: bool = False
    references: ForeignKeyTarget | None = None
    check: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return check_type_text(value)

    @field_validator("default", "check")
    @classmethod
    def _sql(cls, value: str | None) -> str | None:
        return None if value is None else check_sql_text(value)

    def inline_sql(self, *, with_constraints: bool = True) -> str:
        """``name type [NOT NULL] [DEFAULT ..] [UNIQUE] [REFERENCES ..] [CHECK ..]``: for new,
        empty tables, where every constraint is free to add inline."""
        parts = [ident(self.name), self.type]
        if not self.nullable:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        if with_constraints:
            if self.unique:
                parts.append("UNIQUE")
            if self.references is not None:
                parts.append(
                    f"REFERENCES {self.references.ref.sql} ({ident(self.references.column)})"
                )
            if self.check is not None:
                parts.append(f"CHECK ({self.check})")
        return " ".join(parts)


class TableColumnDef(ColumnDef):
    """A column as create_table takes it (may be part of the primary key)."""

    primary_key: bool = False


_IDENTITY_RE = re.compile(r"\s+generated\s+(always|by\s+default)\s+as\s+identity\s*$", re.IGNORECASE)
_SERIALS = {"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"}


def validate_type(ctx: PlanContext, type_sql: str, where: str) -> None:
    base = _IDENTITY_RE.sub("", type_sql).strip()
    if base.lower() in _SERIALS:
        return
    if ctx.catalog is not None and not ctx.catalog.type_exists(base):
        raise InputError(f"type {type_sql!r} does not exist", where=where)


def validate_target(ctx: PlanContext, ref: TableRef, columns: list[str], where: str) -> None:
    for column in columns:
        ctx.column_info(ref, column, where)


def validate_referenced(ctx: PlanContext, ref: TableRef, columns: list[str], where: str) -> None:
    """Columns a foreign key references: they must exist and stay in place until contract
    (a column replaced by a shadow takes its unique index and its name along only then)."""
    validate_target(ctx, ref, columns, where)
    for column in columns:
        ctx.refuse_replaced(
            ref, column, where,
            "a foreign key cannot reference it before contract; add the foreign key in a later "
            "migration", rename_targets=True,
        )


# -- live facts about one column that the catalog summary does not carry ------------------


@dataclass(frozen=True)
class IndexShape:
    """A plain index (key columns only, no expressions) that involves a column."""

    name: str
    schema: str
    unique: bool
    constraint: str | None  # the UNIQUE constraint it backs, if any
    primary: bool
    method: str
    columns: tuple[str, ...]
    include: tuple[str, ...]
    predicate: str | None
    expression: bool  # has expression keys: not recreated


def column_indexes(ctx: PlanContext, ref: TableRef, column: str) -> list[IndexShape]:
    """Indexes of ``ref`` that use ``column`` (empty without a live catalog)."""
    if ctx.catalog is None or ref in ctx.created_tables:
        return []
    rows = ctx.catalog.conn.execute(
        """
        SELECT ic.relname, n.nspname, i.indisunique, con.conname, i.indisprimary, am.amname,
               ARRAY(SELECT a.attname FROM unnest(i.indkey[:i.indnkeyatts - 1]) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o),
               ARRAY(SELECT a.attname FROM unnest(i.indkey[i.indnkeyatts:]) WITH ORDINALITY k(n, o)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o),
               pg_get_expr(i.indpred, i.indrelid),
               i.indexprs IS NOT NULL OR 0 = ANY (i.indkey::int2[])
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = ic.relnamespace
        JOIN pg_am am ON am.oid = ic.relam
        LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('u', 'p')
        WHERE i.indrelid = to_regclass(%s)
          AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = %s
                      AND (a.attnum = ANY (i.indkey::int2[])
                           OR EXISTS (SELECT 1 FROM pg_depend d
                                      WHERE d.classid = 'pg_class'::regclass
                                        AND d.objid = i.indexrelid AND d.refobjid = i.indrelid
                                        AND d.refobjsubid = a.attnum)))
        ORDER BY ic.relname
        """,
        (ref.sql, column),
    ).fetchall()
    return [
        IndexShape(r[0], r[1], r[2], r[3], r[4], r[5], tuple(r[6]), tuple(r[7]), r[8], r[9])
        for r in rows
    ]


@dataclass(frozen=True)
class ColumnFacts:
    identity: bool
    generated: bool
    other_constraints: tuple[str, ...]  # CHECK / FOREIGN KEY constraints on the column
    referenced_by: tuple[str, ...]  # foreign keys of other tables that reference it


def column_facts(ctx: PlanContext, ref: TableRef, column: str) -> ColumnFacts | None:
    if ctx.catalog is None or ref in ctx.created_tables:
        return None
    row = ctx.catalog.conn.execute(
        """
        SELECT a.attidentity <> '', a.attgenerated <> '',
               ARRAY(SELECT c.conname FROM pg_constraint c
                     WHERE c.conrelid = a.attrelid AND c.contype IN ('c', 'f')
                       AND a.attnum = ANY (c.conkey) ORDER BY c.conname),
               ARRAY(SELECT c.conname FROM pg_constraint c
                     WHERE c.confrelid = a.attrelid AND c.contype = 'f'
                       AND a.attnum = ANY (c.confkey) ORDER BY c.conname)
        FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attname = %s
        """,
        (ref.sql, column),
    ).fetchone()
    if row is None:
        return None
    return ColumnFacts(bool(row[0]), bool(row[1]), tuple(row[2]), tuple(row[3]))


def referenced_tables(ctx: PlanContext, ref: TableRef, column: str | None = None) -> list[TableRef]:
    """Tables that foreign keys of ``ref`` (those on ``column``, if given) point to; dropping
    them locks those tables too. Empty without a live catalog."""
    if ctx.catalog is None or ref in ctx.created_tables:
        return []
    rows = ctx.catalog.conn.execute(
        """
        SELECT DISTINCT n.nspname, t.relname FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE c.contype = 'f' AND c.conrelid = to_regclass(%(t)s) AND c.confrelid <> c.conrelid
          AND (%(c)s::text IS NULL OR EXISTS (
                SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid
                AND a.attname = %(c)s AND a.attnum = ANY (c.conkey)))
        ORDER BY 1, 2
        """,
        {"t": ref.sql, "c": column},
    ).fetchall()
    return [TableRef(name, schema) for schema, name in rows]
