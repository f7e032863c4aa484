"""Row triggers that keep an old and a new column in step while both app versions run.

The trigger functions only assign ``NEW`` (no DML, so no recursion and no extra locks).
User expressions (``up``: old shape -> new column, ``down``: new shape -> old column) refer
to row columns unqualified or qualified by the table name; they are evaluated as
``(SELECT <expr> FROM (SELECT NEW.*) AS "<table>")`` so both spellings resolve.

Which side wrote a row:
- exact when the app's runtime sets the session setting ``expandcontract.side`` to 'old' or
  'new' (read with ``current_setting('expandcontract.side', true)``);
- otherwise inferred: on INSERT the new column has no default during expand, so a non-NULL
  new column means a new-shape writer; on UPDATE, the column that changed tells (when only
  the new column changed and already equals ``up`` of the row, it is a backfill or a
  consistent write, and the old column is left untouched); when neither changed and the new
  column is still NULL (a row the backfill has not reached), it is filled from ``up``.
"""

from __future__ import annotations

import hashlib
import json

from ..planning.steps import Lock, Step, TableRef
from ..sqltext import bounded_name, ident, qualified, shown
from . import _guards as g
from ._columns import DOLLAR_TAG

SIDE = "current_setting('expandcontract.side', true)"


def evaluated(table: TableRef, expr: str) -> str:
    """``expr`` evaluated over the row being written, inside a trigger function."""
    return f"(SELECT {expr} FROM (SELECT NEW.*) AS {ident(table.name)})"


def object_name(kind: str, table: TableRef, column: str) -> str:
    """Deterministic, length-bounded name of a trigger or function (kind: 'sync', 'fill').

    Functions live in the schema, not the table: ``order``/``items_count`` and
    ``order_items``/``count`` would both be ``_ec_sync_order_items_count``, and one table's
    trigger would run the other's body. The join is unambiguous only when the table name has
    no ``_``; otherwise a hash of the (table, column) pair tells them apart."""
    if "_" not in table.name:
        return bounded_name("_ec", kind, table.name, column)
    pair = hashlib.sha1(json.dumps([table.name, column]).encode()).hexdigest()[:8]
    return bounded_name("_ec", kind, table.name, column, pair)


def two_way_body(table: TableRef, old: str, new: str, up: str, down: str) -> str:
    o, n = f"NEW.{ident(old)}", f"NEW.{ident(new)}"
    oo, on = f"OLD.{ident(old)}", f"OLD.{ident(new)}"
    up_e, down_e = evaluated(table, up), evaluated(table, down)
    return f"""#variable_conflict use_column
DECLARE
    _ec_side text := {SIDE};
BEGIN
    IF _ec_side = 'new' THEN
        {o} := {down_e};
    ELSIF _ec_side = 'old' THEN
        {n} := {up_e};
    ELSIF TG_OP = 'INSERT' THEN
        -- the new column has no default during expand: non-NULL means a new-shape writer
        IF {n} IS NOT NULL THEN
            {o} := {down_e};
        ELSE
            {n} := {up_e};
        END IF;
    ELSIF {n} IS DISTINCT FROM {on} AND {o} IS NOT DISTINCT FROM {oo} THEN
        -- only the new column changed; a backfill writes exactly up(row): leave old alone
        IF {n} IS DISTINCT FROM {up_e} THEN
            {o} := {down_e};
        END IF;
    ELSIF {o} IS DISTINCT FROM {oo} AND {n} IS NOT DISTINCT FROM {on} THEN
        {n} := {up_e};
    ELSIF {n} IS NULL THEN
        -- a row not backfilled yet, updated by anyone: fill it now (NOT NULL checks apply)
        {n} := {up_e};
    END IF;
    RETURN NEW;
END"""


def fill_body(table: TableRef, column: str, expr: str, *, skip_side: str | None) -> str:
    """Fill ``column`` from ``expr`` when a write left it NULL (a writer that does not know
    the column). ``skip_side``: a side whose NULLs are deliberate (it knows the column)."""
    c = f"NEW.{ident(column)}"
    cond = f"{c} IS NULL"
    if skip_side:
        cond += f" AND {SIDE} IS DISTINCT FROM '{skip_side}'"
    return f"""#variable_conflict use_column
BEGIN
    IF {cond} THEN
        {c} := {evaluated(table, expr)};
    END IF;
    RETURN NEW;
END"""


def function_sql(schema: str | None, name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {qualified(schema, name)}() RETURNS trigger "
        f"LANGUAGE plpgsql AS {DOLLAR_TAG}\n{body}\n{DOLLAR_TAG}"
    )


def install_steps(table: TableRef, name: str, body: str, what: str) -> list[Step]:
    """CREATE FUNCTION + CREATE TRIGGER (BEFORE INSERT OR UPDATE, FOR EACH ROW)."""
    fn = qualified(table.schema, name)
    return [
        Step(
            sql=function_sql(table.schema, name, body),
            description=f"create trigger function {shown(name)} ({what})",
            lock=Lock.NONE,
            guard=g.function_exists(table.schema, name),
            table=table,
        ),
        Step(
            sql=(
                f"CREATE TRIGGER {ident(name)} BEFORE INSERT OR UPDATE ON {table.sql} "
                f"FOR EACH ROW EXECUTE FUNCTION {fn}()"
            ),
            description=f"install trigger {shown(name)} on {table.shown} ({what})",
            lock=Lock.SHARE_ROW_EXCLUSIVE,
            guard=g.trigger_exists(table, name),
            table=table,
        ),
    ]


def remove_steps(table: TableRef, name: str) -> list[Step]:
    """DROP TRIGGER + DROP FUNCTION (contract, or rollback of expand)."""
    return [
        Step(
            sql=f"DROP TRIGGER IF EXISTS {ident(name)} ON {table.sql}",
            description=f"drop trigger {shown(name)} on {table.shown}",
            lock=Lock.ACCESS_EXCLUSIVE,
            guard=g.trigger_absent(table, name),
            table=table,
        ),
        Step(
            sql=f"DROP FUNCTION IF EXISTS {qualified(table.schema, name)}()",
            description=f"drop trigger function {shown(name)}",
            lock=Lock.NONE,
            guard=g.function_absent(table.schema, name),
            table=table,
        ),
    ]
