"""ALTER COLUMN ... TYPE rewrites the table (and rebuilds its indexes) under ACCESS EXCLUSIVE,
except for the binary-compatible changes PostgreSQL skips (ATColumnChangeRequiresRewrite):
varchar(n) to a larger varchar(m) or to varchar/text, text to varchar (no length), numeric(p,s)
to numeric(p2,s) with p2 >= p or to numeric, varbit/timestamp/time/interval precision growth,
cidr to inet. text -> varchar(n) and any shrink apply a length coercion: a full rewrite.

The old type comes from CREATE TABLE / ADD COLUMN seen earlier in the run (files are linted
in order); when it is unknown, a widening target is a warning and anything else an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext, TypeSig
from ..nodes import rel_display, rel_name, type_name
from ..statement import Statement
from ._base import Hit, Node, Rule

_PRECISION = {"varchar", "varbit", "timestamp", "timestamptz", "time", "timetz"}
_WIDENING_TARGETS = {"text", "varchar", "numeric", "varbit", "timestamp", "timestamptz",
                     "time", "timetz", "inet"}


_DISPLAY = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
            "float8": "double precision", "bpchar": "char", "bool": "boolean"}


def _fmt(sig: TypeSig) -> str:
    base, mods, arr = sig
    return _DISPLAY.get(base, base) + (f"({','.join(map(str, mods))})" if mods else "") + ("[]" if arr else "")


def rewrite_free(old: TypeSig, new: TypeSig) -> bool | None:
    """True: no rewrite; False: rewrite; None: depends on the session TimeZone."""
    (ob, om, oa), (nb, nm, na) = old, new
    if (ob, om, oa) == (nb, nm, na):
        return True
    if oa or na:  # array element coercions: not proven rewrite-free, stay conservative
        return False
    if ob in ("varchar", "text") and nb == "text":
        return True
    if ob == "text" and nb == "varchar":
        return not nm
    if ob == nb and ob in _PRECISION:
        return not nm or bool(om and nm[0] >= om[0])
    if ob == nb == "numeric":
        if not nm:
            return True
        if not om:
            return False
        old_scale = om[1] if len(om) > 1 else 0
        new_scale = nm[1] if len(nm) > 1 else 0
        return old_scale == new_scale and nm[0] >= om[0]
    if ob == "cidr" and nb == "inet":
        return True
    if {ob, nb} == {"timestamp", "timestamptz"} and not om and not nm:
        return None
    return False


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    table = rel_name(stmt.node.get("relation"))
    if ctx.is_new(table):
        return
    cd = node.get("def", {}).get("ColumnDef", {})
    column = node.get("name")
    new = type_name(cd.get("typeName"))
    where = f"{rel_display(stmt.node.get('relation'))}.{column}"
    if cd.get("raw_default") is not None:
        yield Hit(f"ALTER COLUMN {where} TYPE {_fmt(new)} USING ... rewrites the table and "
                  "rebuilds its indexes under ACCESS EXCLUSIVE")
        return
    old = ctx.schema.column_type(table, column)
    if old is None:
        if new[0] in _WIDENING_TARGETS:
            yield Hit(f"ALTER COLUMN {where} TYPE {_fmt(new)}: ec does not know the old type; "
                      "this is rewrite-free only when it widens a compatible type (varchar(n) "
                      "to a larger length or text, numeric precision growth with the same "
                      "scale); otherwise the table is rewritten under ACCESS EXCLUSIVE",
                      severity="warning")
        else:
            yield Hit(f"ALTER COLUMN {where} TYPE {_fmt(new)} rewrites the table and rebuilds "
                      "its indexes under ACCESS EXCLUSIVE (unless the column already has exactly "
                      "this type)")
        return
    verdict = rewrite_free(old, new)
    if verdict:
        return
    if verdict is None and ctx.pg_version >= 12:
        yield Hit(f"ALTER COLUMN {where} from {_fmt(old)} to {_fmt(new)} is rewrite-free only "
                  "when the session TimeZone is UTC (PostgreSQL 12+); otherwise it rewrites the "
                  "table under ACCESS EXCLUSIVE", severity="warning",
                  fix="SET TimeZone = 'UTC' in the same session before the ALTER.")
        return
    yield Hit(f"ALTER COLUMN {where} from {_fmt(old)} to {_fmt(new)} rewrites the table and "
              "rebuilds its indexes under ACCESS EXCLUSIVE")


RULE = Rule(
    id="ban-rewriting-type-change",
    severity="error",
    category="locking",
    summary="ALTER COLUMN ... TYPE that rewrites the table",
    fix="Add a new column of the new type, keep it in sync with a trigger, backfill in batches, "
        "switch the app over, then drop the old column in the contract phase (an ec "
        "change_type migration does exactly this).",
    on=("AT_AlterColumnType",),
    check=check,
)
