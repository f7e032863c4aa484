"""int / serial keys run out at 2^31: widening a full table later is a rewrite."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import FileContext
from ..nodes import constraints, strings, type_name
from ..statement import Statement
from ._base import Hit, Node, Rule
from ._helpers import column_defs

SMALL = {"int4": "integer", "int2": "smallint", "serial": "serial", "serial4": "serial",
         "smallserial": "smallserial", "serial2": "smallserial"}
_KEY_CONSTRAINTS = {"CONSTR_PRIMARY", "CONSTR_IDENTITY", "CONSTR_FOREIGN"}


def _table_keys(node: Node) -> set[str]:
    keys: set[str] = set()
    for elt in node.get("tableElts") or ():
        con = elt.get("Constraint")
        if con and con.get("contype") in ("CONSTR_PRIMARY", "CONSTR_FOREIGN"):
            keys.update(strings(con.get("keys")) + strings(con.get("fk_attrs")))
    return keys


def check(ctx: FileContext, stmt: Statement, node: Node) -> Iterator[Hit]:
    keys = _table_keys(node)
    for cd in column_defs(node):
        base, _, array = type_name(cd.get("typeName"))
        if base not in SMALL or array:
            continue
        name = str(cd.get("colname") or "")
        is_key = (name in keys or name == "id" or name.endswith("_id") or base.startswith(
            ("serial", "smallserial")) or any(c.get("contype") in _KEY_CONSTRAINTS
                                              for c in constraints(cd)))
        if is_key:
            yield Hit(f"key column {name} is {SMALL[base]}: it overflows at "
                      f"{'32,767' if '2' in base or base == 'smallserial' else '2,147,483,647'}, "
                      "and widening it later rewrites the table",
                      location=cd.get("location"))


RULE = Rule(
    id="prefer-bigint",
    severity="warning",
    category="style",
    summary="integer / serial key column instead of bigint",
    fix="Use bigint (bigserial, or bigint GENERATED ALWAYS AS IDENTITY) for keys and columns "
        "that reference them.",
    on=("CreateStmt", "AT_AddColumn", "AT_AlterColumnType"),
    check=check,
)
