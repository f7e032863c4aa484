"""The ``application_name`` tag ``ec:<app>@<version>`` that names an app version's connections."""

from __future__ import annotations

PREFIX = "ec:"
MAX_LEN = 63  # PostgreSQL truncates application_name to NAMEDATALEN - 1 bytes


def application_name(app: str, version: str) -> str:
    if not app or not version:
        raise ValueError("app and version must be non-empty")
    if "@" in app:
        raise ValueError(f"app name {app!r} must not contain '@'")
    name = f"{PREFIX}{app}@{version}"
    if len(name.encode()) > MAX_LEN:
        raise ValueError(f"{name!r} is longer than PostgreSQL's {MAX_LEN}-byte application_name")
    return name


def parse_application_name(value: str | None) -> tuple[str, str] | None:
    """(app, version) from ``ec:<app>@<version>``, None for any other application_name."""
    if not value or not value.startswith(PREFIX):
        return None
    app, sep, version = value[len(PREFIX):].partition("@")
    if not sep or not app or not version:
        return None
    return app, version


def dsn_with_app_name(dsn: str, app: str, version: str) -> str:
    """``dsn`` with application_name set, for apps that connect with a plain connection string."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(dsn, application_name=application_name(app, version))
