"""Safe SQL text: every identifier and literal that ec generates goes through here."""

from __future__ import annotations

from psycopg import sql


def ident(*parts: str) -> str:
    """Quote an identifier (or a dotted sequence of them), always, exactly as PostgreSQL reads it."""
    return sql.Identifier(*parts).as_string(None)


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
