"""Split a SQL file into parsed statements, each with its original text and 1-based line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pglast.parser import ParseError, parse_sql_json

from ..errors import InputError


@dataclass(frozen=True)
class Statement:
    kind: str  # the parse node type, e.g. "AlterTableStmt"
    node: dict[str, Any]  # that node's fields (pglast JSON form)
    text: str  # the statement exactly as written (without its trailing semicolon)
    line: int  # 1-based line of its first token
    where: str  # "file.sql:LINE", for messages and operation origins


def _skip_blanks(data: bytes, pos: int) -> int:
    """Position of the first byte at or after pos that is neither whitespace nor a comment."""
    n = len(data)
    while pos < n:
        if data[pos : pos + 1].isspace():
            pos += 1
        elif data.startswith(b"--", pos):
            end = data.find(b"\n", pos)
            pos = n if end < 0 else end + 1
        elif data.startswith(b"/*", pos):
            depth, pos = 1, pos + 2  # PostgreSQL block comments nest
            while pos < n and depth:
                if data.startswith(b"/*", pos):
                    depth, pos = depth + 1, pos + 2
                elif data.startswith(b"*/", pos):
                    depth, pos = depth - 1, pos + 2
                else:
                    pos += 1
        else:
            break
    return pos


def _syntax_error(text: str, filename: str, exc: ParseError) -> InputError:
    message = str(exc.args[0]) if exc.args else str(exc)
    # pglast reports a 0-based *character* offset (or nothing).
    offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
    if offset is None or offset < 0:
        return InputError(f"SQL syntax error: {message}", where=filename)
    offset = min(offset, len(text))
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    column = offset - line_start + 1
    if text[line_start:].lstrip().startswith("\\"):
        message += " (psql meta-commands such as \\i or \\set are not SQL)"
    return InputError(f"SQL syntax error: {message}", where=f"{filename}:{line}:{column}")


def split_statements(text: str, filename: str) -> list[Statement]:
    """Parse ``text``; raise InputError naming file:line:column on a syntax error."""
    text = text.removeprefix("\ufeff")  # a byte-order mark is not SQL
    try:
        parsed = json.loads(parse_sql_json(text))
    except ParseError as exc:
        raise _syntax_error(text, filename, exc) from None
    data = text.encode("utf-8")  # stmt_location/stmt_len are byte offsets
    statements: list[Statement] = []
    for raw in parsed.get("stmts", []):
        start = int(raw.get("stmt_location", 0))
        length = raw.get("stmt_len")
        end = start + int(length) if length else len(data)
        first = _skip_blanks(data, start)
        line = data.count(b"\n", 0, first) + 1
        ((kind, node),) = raw["stmt"].items()
        statements.append(
            Statement(
                kind=kind,
                node=node,
                text=data[first:end].decode("utf-8").strip(),
                line=line,
                where=f"{filename}:{line}",
            )
        )
    return statements
