"""Helpers for an Alembic env.py: one database URL for Alembic and ec."""

from __future__ import annotations

import os

from ..dsn import ENV_VAR


def sqlalchemy_url(dsn: str) -> str:
    """A SQLAlchemy URL (psycopg 3 driver) for a libpq DSN, key=value or postgresql:// URI."""
    from psycopg.conninfo import conninfo_to_dict
    from sqlalchemy.engine import URL

    params = {k: str(v) for k, v in conninfo_to_dict(dsn).items() if v is not None}
    port = params.pop("port", None)
    url = URL.create(
        "postgresql+psycopg",
        username=params.pop("user", None),
        password=params.pop("password", None),
        host=params.pop("host", None),
        port=int(port) if port and port.isdigit() else None,
        database=params.pop("dbname", None),
        query=params,
    )
    rendered: str = url.render_as_string(hide_password=False)
    return rendered


def database_url(fallback: str | None) -> str | None:
    """$EC_DATABASE_URL (the variable ec's commands read) as a SQLAlchemy URL, else
    ``fallback`` (e.g. alembic.ini's sqlalchemy.url): one setting for alembic and ec."""
    dsn = os.environ.get(ENV_VAR)
    return sqlalchemy_url(dsn) if dsn else fallback
