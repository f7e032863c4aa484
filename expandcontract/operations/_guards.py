"""Guard queries: one boolean each, true when a step's effect is already in the catalog.

Guards are exact about states: a NOT VALID constraint and a validated one are different
answers, an INVALID index left by a failed concurrent build does not count as built.
"""

from __future__ import annotations

from ..planning.steps import TableRef
from ..sqltext import literal, qualified


def _attr(ref: TableRef, column: str) -> str:
    return (
        f"SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = {ref.regclass} "
        f"AND attname = {literal(column)} AND attnum > 0 AND NOT attisdropped"
    )


def column_exists(ref: TableRef, column: str) -> str:
    return f"SELECT EXISTS ({_attr(ref, column)})"


def column_absent(ref: TableRef, column: str) -> str:
    return f"SELECT NOT EXISTS ({_attr(ref, column)})"


def column_not_null(ref: TableRef, column: str) -> str:
    return f"SELECT EXISTS ({_attr(ref, column)} AND attnotnull)"


def column_nullable(ref: TableRef, column: str) -> str:
    return f"SELECT EXISTS ({_attr(ref, column)} AND NOT attnotnull)"


def _default(ref: TableRef, column: str) -> str:
    return (
        "SELECT 1 FROM pg_catalog.pg_attrdef d JOIN pg_catalog.pg_attribute a "
        "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
        f"WHERE d.adrelid = {ref.regclass} AND a.attname = {literal(column)}"
    )


def column_has_default(ref: TableRef, column: str, *, other_than: str | None = None) -> str:
    """True when the column has a default (one printed differently from ``other_than``, the
    default it had when planned, PostgreSQL's own spelling from the catalog)."""
    cond = _default(ref, column)
    if other_than is not None:
        cond += f" AND pg_get_expr(d.adbin, d.adrelid) <> {literal(other_than)}"
    return f"SELECT EXISTS ({cond})"


def column_has_no_default(ref: TableRef, column: str) -> str:
    return f"SELECT EXISTS ({_attr(ref, column)}) AND NOT EXISTS ({_default(ref, column)})"


def column_type_is(ref: TableRef, column: str, type_sql: str) -> str:
    return f"SELECT EXISTS ({_attr(ref, column)} AND atttypid = to_regtype({literal(type_sql)}))"


def _con(ref: TableRef, name: str) -> str:
    return (
        f"SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = {ref.regclass} "
        f"AND conname = {literal(name)}"
    )


def constraint_exists(ref: TableRef, name: str) -> str:
    """The constraint exists, validated or not (the state after ADD ... NOT VALID)."""
    return f"SELECT EXISTS ({_con(ref, name)})"


def constraint_validated(ref: TableRef, name: str) -> str:
    return f"SELECT EXISTS ({_con(ref, name)} AND convalidated)"


def constraint_absent(ref: TableRef, name: str) -> str:
    return f"SELECT NOT EXISTS ({_con(ref, name)})"


def _trg(ref: TableRef, name: str) -> str:
    return (
        f"SELECT 1 FROM pg_catalog.pg_trigger WHERE tgrelid = {ref.regclass} "
        f"AND tgname = {literal(name)}"
    )


def trigger_exists(ref: TableRef, name: str) -> str:
    return f"SELECT EXISTS ({_trg(ref, name)})"


def trigger_absent(ref: TableRef, name: str) -> str:
    return f"SELECT NOT EXISTS ({_trg(ref, name)})"


def function_signature(schema: str | None, name: str) -> str:
    return f"{qualified(schema, name)}()"


def function_exists(schema: str | None, name: str) -> str:
    return f"SELECT to_regprocedure({literal(function_signature(schema, name))}) IS NOT NULL"


def function_absent(schema: str | None, name: str) -> str:
    return f"SELECT to_regprocedure({literal(function_signature(schema, name))}) IS NULL"


def index_valid_on(table: TableRef, name: str) -> str:
    """A valid index ``name`` on ``table`` itself. Not by name through search_path: an index of
    that name in another schema (of another table) must not make the build look done."""
    return (
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c "
        f"ON c.oid = i.indexrelid WHERE i.indrelid = {table.regclass} "
        f"AND c.relname = {literal(name)} AND i.indisvalid)"
    )


def index_valid(schema: str | None, name: str) -> str:
    return (
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index WHERE indexrelid = "
        f"to_regclass({literal(qualified(schema, name))}) AND indisvalid)"
    )


def relation_absent(schema: str | None, name: str) -> str:
    return f"SELECT to_regclass({literal(qualified(schema, name))}) IS NULL"


def relation_kind(ref: TableRef, kinds: str) -> str:
    """True when ``ref`` names a relation whose relkind is one of ``kinds`` (e.g. 'rp', 'v')."""
    wanted = ", ".join(literal(k) for k in kinds)
    return (
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = "
        f"{ref.regclass} AND relkind IN ({wanted}))"
    )


def all_of(*guards: str) -> str:
    """Combine guard queries: true when every one is true."""
    return "SELECT " + " AND ".join(f"({g})" for g in guards)


def any_of(*guards: str) -> str:
    return "SELECT " + " OR ".join(f"({g})" for g in guards)


def relation_exists(schema: str | None, name: str) -> str:
    return f"SELECT to_regclass({literal(qualified(schema, name))}) IS NOT NULL"
