"""Column references inside SQL expressions the user writes (a CHECK, an index predicate):
which columns they name, and the same expression with some columns renamed.

Needed when an earlier operation of the migration replaces a column by a shadow column
(alter_column with a type): a later CHECK or index on that column must be built on the
shadow, which takes the column's name at contract, or contract would drop it with the old
column. Parsing is PostgreSQL's own grammar (pglast), so string literals, function names and
quoted identifiers are never mistaken for columns.
"""

from __future__ import annotations

from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.stream import RawStream
from pglast.visitors import Visitor


def _parse(expr: str) -> Any:
    try:
        stmts = parse_sql(f"SELECT ({expr})")
    except ParseError as exc:
        # args: (message, offset into the wrapped text): point at the user's own characters.
        message, offset = (exc.args + (None,))[:2]
        at = f" (character {offset - len('SELECT (') + 1})" if isinstance(offset, int) and offset > len('SELECT (') else ""
        raise ValueError(f"not a valid SQL expression: {message}{at}") from None
    stmt: Any = stmts[0].stmt if len(stmts) == 1 else None
    if not isinstance(stmt, ast.SelectStmt) or not stmt.targetList or len(stmt.targetList) != 1:
        raise ValueError("not a single SQL expression")
    # `1) FROM t WHERE (true` parses as one SELECT too: nothing but the target may be set.
    if any(getattr(stmt, slot) for slot in getattr(stmt, "__slots__", ()) if slot != "targetList"):
        raise ValueError("not a single SQL expression")
    return stmt.targetList[0].val


def check_expression(expr: str) -> None:
    """Raise ValueError unless ``expr`` is exactly one SQL expression: ec splices it into
    statements (``SET DEFAULT <expr>``, ``CHECK (<expr>) NOT VALID``, trigger bodies), where a
    ``;`` would run a statement of its own and a trailing ``--`` would comment out the rest."""
    _parse(expr)


def _column_of(node: Any, table: str) -> str | None:
    """The column a ColumnRef names when it is ``col`` or ``<table>.col`` (else None)."""
    fields = node.fields or ()
    if not fields or not isinstance(fields[-1], ast.String):
        return None  # ``*``
    if len(fields) == 1:
        return str(fields[-1].sval)
    if len(fields) >= 2 and isinstance(fields[-2], ast.String) and fields[-2].sval == table:
        return str(fields[-1].sval)
    return None


def columns_in(expr: str, table: str) -> set[str]:
    """Column names ``expr`` refers to (unqualified or qualified by ``table``)."""
    found: set[str] = set()

    class _Collect(Visitor):  # type: ignore[misc]
        def visit_ColumnRef(self, ancestors: Any, node: Any) -> None:
            name = _column_of(node, table)
            if name is not None:
                found.add(name)

    _Collect()(_parse(expr))
    return found


def rename_columns(expr: str, table: str, mapping: dict[str, str]) -> str:
    """``expr`` with every column in ``mapping`` renamed; unchanged text when none is used."""
    if not columns_in(expr, table) & set(mapping):
        return expr
    tree = _parse(expr)

    class _Rename(Visitor):  # type: ignore[misc]
        def visit_ColumnRef(self, ancestors: Any, node: Any) -> Any:
            name = _column_of(node, table)
            if name is None or name not in mapping:
                return None
            fields = list(node.fields)
            fields[-1] = ast.String(sval=mapping[name])
            return ast.ColumnRef(fields=tuple(fields))

    tree = _Rename()(tree)
    return str(RawStream()(tree))
