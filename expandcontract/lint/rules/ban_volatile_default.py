"""ADD COLUMN with a volatile DEFAULT rewrites the table under ACCESS EXCLUSIVE.

From PostgreSQL 11 a non-volatile default is stored in the catalog and the table is not
rewritten; a volatile one (random(), gen_random_uuid(), clock_timestamp(), nextval(), ...)
still rewrites every row. Before 11 any non-NULL default rewrites.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, func_names, rel_display, rel_name
from ..statement import Statement
from ._base import Hit, Node, Rule

VOLATILE = {
    "random", "random_normal", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
    "uuid_generate_v4", "uuidv4", "uuidv7", "clock_timestamp", "timeofday", "nextval", "setval",
    "gen_random_bytes", "txid_current", "pg_current_xact_id", "lo_create", "lo_import",
}
# Functions known to be STABLE or IMMUTABLE: fine as a fast default from PostgreSQL 11.
NON_VOLATILE = {
    "now", "transaction_timestamp", "statement_timestamp", "current_setting", "lower", "upper",
    "btrim", "trim", "ltrim", "rtrim", "concat", "concat_ws", "md5", "coalesce", "nullif",
    "date_trunc", "make_interval", "make_date", "make_timestamp", "make_timestamptz",
    "to_timestamp", "to_date", "to_char", "to_json", "to_jsonb", "jsonb_build_object",
    "json_build_object", "jsonb_build_array", "json_build_array", "array_fill", "length",
    "abs", "round", "floor", "ceil", "greatest", "least", "replace", "substring", "left",
    "right", "format", "int4", "int8", "text", "timezone", "current_date", "current_schema",
    "current_user", "session_user", "inet_client_addr",
}


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    if ctx.is_new(rel_name(stmt.node.get("relation"))):
        return
    cd = node.get("def", {}).get("ColumnDef", {})
    default = next((c for c in constraints(cd) if c.get("contype") == "CONSTR_DEFAULT"), None)
    if default is None:
        return
    expr = default.get("raw_expr")
    col = cd.get("colname")
    table = rel_display(stmt.node.get("relation"))
    if expr is not None and "A_Const" in expr and expr["A_Const"].get("isnull"):
        return
    if ctx.pg_version < 11:
        yield Hit(f"ADD COLUMN {col} with a DEFAULT rewrites all of {table} under ACCESS "
                  "EXCLUSIVE before PostgreSQL 11",
                  fix="Add the column without a default, SET DEFAULT in a second statement "
                      "(applies to new rows only), and backfill old rows in batches.")
        return
    names = set(func_names(expr))
    volatile = sorted(names & VOLATILE)
    if volatile:
        yield Hit(f"ADD COLUMN {col} DEFAULT {volatile[0]}() is volatile: PostgreSQL rewrites "
                  f"every row of {table} under ACCESS EXCLUSIVE")
        return
    unknown = sorted(names - NON_VOLATILE)
    if unknown:
        yield Hit(f"ADD COLUMN {col} DEFAULT calls {unknown[0]}(), which ec cannot tell is "
                  f"non-volatile; if it is volatile, {table} is rewritten under ACCESS EXCLUSIVE",
                  severity="warning")


RULE = Rule(
    id="ban-volatile-default",
    severity="error",
    category="locking",
    summary="ADD COLUMN with a volatile DEFAULT (any DEFAULT before PostgreSQL 11)",
    fix="Add the column with no default (or a constant one), ALTER COLUMN ... SET DEFAULT "
        "the volatile expression (new rows only), then backfill existing rows in batches.",
    on=("AT_AddColumn",),
    check=check,
)
