"""Step builders shared by operations: constraints NOT VALID then VALIDATE, NOT NULL via a
validated CHECK, concurrent indexes. Each with its real lock and an exact guard."""

from __future__ import annotations

from ..planning.steps import Lock, Step, TableRef
from ..sqltext import bounded_name, ident, qualified, shown
from . import _guards as g


def not_null_check_name(table: TableRef, column: str) -> str:
    return bounded_name(table.name, column, "ec_not_null")


def add_check_not_valid(table: TableRef, name: str, expr: str, *, done_if: str | None = None) -> Step:
    guard = g.constraint_exists(table, name)
    return Step(
        sql=f"ALTER TABLE {table.sql} ADD CONSTRAINT {ident(name)} CHECK ({expr}) NOT VALID",
        description=f"add CHECK {shown(name)} NOT VALID (new writes checked, existing rows not scanned)",
        lock=Lock.ACCESS_EXCLUSIVE,
        guard=g.any_of(guard, done_if) if done_if else guard,
        table=table,
    )


def validate_constraint(
    table: TableRef, name: str, *, done_if: str | None = None,
    also_locks: tuple[tuple[TableRef, Lock], ...] = (),
) -> Step:
    guard = g.constraint_validated(table, name)
    return Step(
        sql=f"ALTER TABLE {table.sql} VALIDATE CONSTRAINT {ident(name)}",
        description=f"validate {shown(name)} (scans the table; reads and writes continue)",
        lock=Lock.SHARE_UPDATE_EXCLUSIVE,
        guard=g.any_of(guard, done_if) if done_if else guard,
        table=table,
        also_locks=also_locks,
    )


# Dropping a foreign key (with its constraint, column or table) removes its triggers on the
# referenced table too: PostgreSQL takes ACCESS EXCLUSIVE on that table as well.
def fk_drop_locks(referenced: list[TableRef], table: TableRef) -> tuple[tuple[TableRef, Lock], ...]:
    return tuple((r, Lock.ACCESS_EXCLUSIVE) for r in dict.fromkeys(referenced) if r != table)


def unique_using_index(table: TableRef, name: str, index: str, description: str) -> Step:
    """ADD CONSTRAINT ... UNIQUE USING INDEX: a catalog change over a built unique index."""
    return Step(
        sql=f"ALTER TABLE {table.sql} ADD CONSTRAINT {ident(name)} UNIQUE USING INDEX {ident(index)}",
        description=description,
        lock=Lock.ACCESS_EXCLUSIVE,
        guard=g.constraint_exists(table, name),
        table=table,
    )


def foreign_key_not_valid(
    table: TableRef, name: str, columns: list[str], target: TableRef, target_columns: list[str],
    description: str, *, on_delete: str | None = None, on_update: str | None = None,
) -> Step:
    """ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID: new writes checked, existing rows not
    scanned; SHARE ROW EXCLUSIVE on both tables."""
    sql = (
        f"ALTER TABLE {table.sql} ADD CONSTRAINT {ident(name)} FOREIGN KEY "
        f"({', '.join(ident(c) for c in columns)}) "
        f"REFERENCES {target.sql} ({', '.join(ident(c) for c in target_columns)})"
    )
    if on_delete:
        sql += f" ON DELETE {on_delete.upper()}"
    if on_update:
        sql += f" ON UPDATE {on_update.upper()}"
    return Step(
        sql=sql + " NOT VALID",
        description=description,
        lock=Lock.SHARE_ROW_EXCLUSIVE,
        guard=g.constraint_exists(table, name),
        table=table,
        also_locks=((target, Lock.SHARE_ROW_EXCLUSIVE),),
    )


def drop_constraint(
    table: TableRef, name: str, why: str = "", *, references: list[TableRef] | None = None
) -> Step:
    return Step(
        sql=f"ALTER TABLE {table.sql} DROP CONSTRAINT IF EXISTS {ident(name)}",
        description=f"drop constraint {shown(name)}" + (f" ({why})" if why else ""),
        lock=Lock.ACCESS_EXCLUSIVE,
        guard=g.constraint_absent(table, name),
        table=table,
        also_locks=fk_drop_locks(references or [], table),
    )


def not_null_expand(table: TableRef, column: str) -> Step:
    name = not_null_check_name(table, column)
    return add_check_not_valid(
        table, name, f"{ident(column)} IS NOT NULL", done_if=g.column_not_null(table, column)
    )


def not_null_contract(table: TableRef, column: str) -> list[Step]:
    """VALIDATE the IS NOT NULL check, SET NOT NULL (PG12+ skips the scan thanks to the
    validated check), drop the check."""
    name = not_null_check_name(table, column)
    is_nn = g.column_not_null(table, column)
    return [
        validate_constraint(table, name, done_if=is_nn),
        Step(
            sql=f"ALTER TABLE {table.sql} ALTER COLUMN {ident(column)} SET NOT NULL",
            description=f"SET NOT NULL on {shown(column)} (no scan: proven by the validated check)",
            lock=Lock.ACCESS_EXCLUSIVE,
            guard=is_nn,
            table=table,
        ),
        drop_constraint(table, name, "now redundant"),
    ]


def restore_not_null(table: TableRef, column: str) -> list[Step]:
    """Rollback of a DROP NOT NULL made by expand: the same way as a new NOT NULL (check NOT
    VALID, VALIDATE, SET NOT NULL without a scan), so ACCESS EXCLUSIVE is never held through a
    full scan of the table. NULLs written meanwhile make VALIDATE fail, blocking nobody."""
    return [not_null_expand(table, column), *not_null_contract(table, column)]


def set_default(
    table: TableRef, column: str, expr: str | None, *, previous: str | None = None
) -> Step:
    """SET DEFAULT expr (guard: a default other than ``previous`` exists) or DROP DEFAULT."""
    action = f"SET DEFAULT {expr}" if expr is not None else "DROP DEFAULT"
    return Step(
        sql=f"ALTER TABLE {table.sql} ALTER COLUMN {ident(column)} {action}",
        description=(f"set default of {shown(column)}" if expr is not None
                     else f"drop default of {shown(column)}")
        + " (catalog only, no rewrite)",
        lock=Lock.ACCESS_EXCLUSIVE,
        guard=(
            g.column_has_no_default(table, column) if expr is None
            else g.column_has_default(table, column, other_than=previous)
        ),
        table=table,
    )


def create_index(
    table: TableRef, name: str, columns: list[str], *, unique: bool = False,
    method: str = "btree", include: tuple[str, ...] = (), where: str | None = None,
    index_schema: str | None = None,
) -> Step:
    """``index_schema``: the table's real schema when known (the index lives there), so the
    executor's cleanup of an INVALID leftover never looks elsewhere on search_path."""
    sql = (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY IF NOT EXISTS {ident(name)} "
        f"ON {table.sql} USING {method} ({', '.join(ident(c) for c in columns)})"
    )
    if include:
        sql += f" INCLUDE ({', '.join(ident(c) for c in include)})"
    if where:
        sql += f" WHERE {where}"
    return Step(
        sql=sql,
        description=f"build {'unique ' if unique else ''}index {shown(name)} without blocking writes",
        lock=Lock.SHARE_UPDATE_EXCLUSIVE,
        transactional=False,
        guard=g.index_valid_on(table, name),
        table=table,
        index_name=name,
        index_schema=index_schema or table.schema,
    )


def drop_index(table: TableRef | None, schema: str | None, name: str) -> Step:
    return Step(
        sql=f"DROP INDEX CONCURRENTLY IF EXISTS {qualified(schema, name)}",
        description=f"drop index {shown(name)} without blocking reads or writes",
        lock=Lock.SHARE_UPDATE_EXCLUSIVE,
        transactional=False,
        guard=g.relation_absent(schema, name),
        table=table,
    )


def drop_column(
    table: TableRef, column: str, why: str = "", *, references: list[TableRef] | None = None
) -> Step:
    """``references``: tables that foreign keys on the column point to (locked as well)."""
    return Step(
        sql=f"ALTER TABLE {table.sql} DROP COLUMN IF EXISTS {ident(column)}",
        description=f"drop column {shown(column)}" + (f" ({why})" if why else "")
        + " (catalog only, no rewrite)",
        lock=Lock.ACCESS_EXCLUSIVE,
        guard=g.column_absent(table, column),
        table=table,
        also_locks=fk_drop_locks(references or [], table),
    )


def add_column(table: TableRef, column: str, definition: str, why: str = "") -> Step:
    return Step(
        sql=f"ALTER TABLE {table.sql} ADD COLUMN IF NOT EXISTS {definition}",
        description=f"add column {shown(column)}" + (f" ({why})" if why else "")
        + " (catalog only, no rewrite)",
        lock=Lock.ACCESS_EXCLUSIVE,
        guard=g.column_exists(table, column),
        table=table,
    )
