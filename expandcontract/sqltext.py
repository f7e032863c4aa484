"""Safe SQL text: every identifier and literal that ec generates goes through here."""

from __future__ import annotations

import re

from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS
from psycopg import sql

# PostgreSQL's quote_ident leaves a name bare only when it is lower-case ASCII letters, digits
# and underscores (not starting with a digit) and not a keyword other than an unreserved one
# (pglast carries the server's keyword list).
_BARE = re.compile(r"[a-z_][a-z0-9_]*")
_KEYWORDS = RESERVED_KEYWORDS | COL_NAME_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS


def ident(*parts: str) -> str:
    """Quote an identifier (or a dotted sequence of them), always, exactly as PostgreSQL reads it."""
    return sql.Identifier(*parts).as_string(None)


def shown(*parts: str) -> str:
    """An identifier (or dotted sequence) for people, as PostgreSQL's quote_ident shows it:
    quoted only when needed, so ``orders`` stays plain and ``Or"ders; x`` is unambiguous.
    For messages only: generated SQL uses ident()."""
    return ".".join(_shown_part(p) for p in parts)


def _shown_part(name: str) -> str:
    return name if _BARE.fullmatch(name) and name not in _KEYWORDS else ident(name)


def literal(value: object) -> str:
    """Quote a literal value for inclusion in generated SQL text."""
    return sql.Literal(value).as_string(None)


def qualified(schema: str | None, name: str) -> str:
    return ident(schema, name) if schema else ident(name)


def bounded_name(*parts: str, limit: int = 63) -> str:
    """Join parts into an object name that fits PostgreSQL's 63-byte identifier limit.

    Long names are shortened with a stable hash suffix so that two different inputs never
    collide after truncation.
    """
    import hashlib

    name = "_".join(parts)
    if len(name.encode()) <= limit:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    head = name.encode()[: limit - 9].decode(errors="ignore")
    return f"{head}_{digest}"
