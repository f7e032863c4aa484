"""Connections to the target database, with passwords kept out of every message."""

from __future__ import annotations

import psycopg

from .dsn import redact
from .errors import ExecutionError


def connect(dsn: str, *, autocommit: bool = True, application_name: str = "ec") -> psycopg.Connection:
    try:
        conn = psycopg.connect(
            dsn, autocommit=autocommit, application_name=application_name, connect_timeout=10
        )
    except psycopg.OperationalError as exc:
        raise ExecutionError(f"cannot connect to the database: {redact(' '.join(str(exc).split()))}") from None
    # psycopg reads dates and timestamps only in ISO style; a PGDATESTYLE or a role/database
    # default of e.g. 'SQL, DMY' would otherwise break every timestamp ec reads back.
    conn.execute("SET DateStyle = ISO")
    if not autocommit:
        conn.commit()
    return conn
