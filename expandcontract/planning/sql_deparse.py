"""Turn parts of pglast's JSON parse tree back into SQL text.

We parse with ``pglast.parser.parse_sql_json`` (plain dicts, several times faster than
building pglast's node objects) and only convert the few subtrees we need as text (defaults,
checks, USING expressions, types, statements kept raw) into pglast nodes, which pglast's own
printer turns back into SQL. The JSON is protobuf-style: ``{"NodeType": {fields}}``, with
zero/false/empty fields omitted, while pglast nodes want every field; ``_build`` bridges that.
"""

from __future__ import annotations

import re
from typing import Any

from pglast import ast, keywords
from pglast.stream import RawStream

# Scalar C types whose omitted JSON value means zero/false.
_ZERO: dict[str, Any] = {
    "bool": False,
    "int": 0,
    "int16": 0,
    "int32": 0,
    "long": 0,
    "Index": 0,
    "AttrNumber": 0,
    "Oid": 0,
    "bits32": 0,
    "ParseLoc": -1,
}
# Value nodes whose omitted payload means the zero value of that type.
_VALUE_ZERO: dict[str, tuple[str, Any]] = {
    "Integer": ("ival", 0),
    "Float": ("fval", "0"),
    "Boolean": ("boolval", False),
    "String": ("sval", ""),
    "BitString": ("bsval", ""),
}
_CONST_KEYS = {"ival": "Integer", "fval": "Float", "boolval": "Boolean", "sval": "String", "bsval": "BitString"}


def _node_class(name: str) -> type[ast.Node] | None:
    cls = getattr(ast, name, None)
    if name in ("Node", "Expr") or not (isinstance(cls, type) and issubclass(cls, ast.Node)):
        return None
    return cls


def to_node(value: Any) -> Any:
    """Convert a protobuf-JSON parse (sub)tree to pglast AST nodes."""
    if isinstance(value, list):
        return tuple(to_node(item) for item in value)
    if isinstance(value, dict) and len(value) == 1:
        ((key, fields),) = value.items()
        if key == "List" and isinstance(fields, dict):  # a list used as a node (e.g. BETWEEN)
            return tuple(to_node(item) for item in fields.get("items", []))
        cls = _node_class(key)
        if cls is not None and isinstance(fields, dict):
            return _build(cls, fields)
    return value


def _build(cls: type[ast.Node], fields: dict[str, Any]) -> ast.Node:
    node = cls()  # type: ignore[call-arg]  # generated classes take keyword fields
    if cls is ast.A_Const:
        node.isnull = bool(fields.get("isnull", False))
        for key, value_type in _CONST_KEYS.items():
            if key in fields:
                node.val = _build(getattr(ast, value_type), fields[key])
        return node
    if cls.__name__ in _VALUE_ZERO:
        attr, zero = _VALUE_ZERO[cls.__name__]
        setattr(node, attr, fields.get(attr, zero))
        return node
    slots: dict[str, Any] = getattr(cls, "__slots__", {})
    for attr, info in slots.items():
        key = attr[:-1] if attr.endswith("_") else attr  # "def_" is "def" in the JSON
        if key in fields:
            value = fields[key]
            # Typed children (RangeVar*, TypeName*...) come unwrapped: just their fields.
            typed = _node_class(info.c_type[:-1]) if info.c_type.endswith("*") else None
            if typed is not None and isinstance(value, dict):
                setattr(node, attr, _build(typed, value))
            else:
                setattr(node, attr, to_node(value))
        elif info.c_type in _ZERO:
            setattr(node, attr, _ZERO[info.c_type])
    return node


class _Stream(RawStream):  # type: ignore[misc]
    """pglast's printer, but literal casts as people write them (``'{}'::jsonb`` rather than
    ``CAST('{}' AS jsonb)``), so that readers, and ec's own fast-default check, recognise a
    constant default."""

    def print_node(self, node: Any, is_name: bool = False, is_symbol: bool = False) -> None:
        if isinstance(node, ast.TypeCast) and _plain_literal(node.arg) and node.typeName:
            type_name = node.typeName
            names = [n.sval for n in type_name.names or ()]
            if names != ["pg_catalog", "bpchar"] or type_name.typmods is not None:
                super().print_node(node.arg)
                self.write("::")
                super().print_node(node.typeName)
                return
        super().print_node(node, is_name=is_name, is_symbol=is_symbol)


def _plain_literal(node: Any) -> bool:
    """A non-negative constant: ``x::type`` then means the same as CAST(x AS type)."""
    if not isinstance(node, ast.A_Const):
        return False
    if node.isnull:
        return True
    val = node.val
    if isinstance(val, ast.Integer):
        return (val.ival or 0) >= 0
    if isinstance(val, ast.Float):
        return not str(val.fval).startswith("-")
    return True


def deparse(value: Any) -> str:
    """SQL text of a JSON parse subtree (an expression, a type name, a whole statement)."""
    return str(_Stream()(to_node(value)))


# What pglast prints for the pg_catalog types the grammar spells with keywords.
_CATALOG_TYPES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "bool": "boolean",
    "float4": "real", "float8": "double precision",
}
_KEYWORDS = keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS
_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def type_sql(type_name: dict[str, Any]) -> str:
    """SQL text of a ``TypeName`` (fields only, as found under ColumnDef.typeName)."""
    # Fast path for the common plain types (the printer costs about a millisecond a call);
    # tests check it agrees with the printer.
    if set(type_name) <= {"names", "typemod", "location"} and type_name.get("typemod", -1) == -1:
        names = [n.get("String", {}).get("sval") for n in type_name.get("names", [])]
        if len(names) == 2 and names[0] == "pg_catalog" and names[1] in _CATALOG_TYPES:
            return _CATALOG_TYPES[names[1]]
        if len(names) == 1 and isinstance(names[0], str) and _PLAIN_NAME.fullmatch(names[0]) and names[0] not in _KEYWORDS:
            return names[0]
    return deparse({"TypeName": type_name})
