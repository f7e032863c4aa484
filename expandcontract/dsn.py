"""Connection strings: resolution from options/environment, and redaction for output."""

from __future__ import annotations

import os
import re

from psycopg.conninfo import conninfo_to_dict

from .errors import InputError

ENV_VAR = "EC_DATABASE_URL"
_URL_PASSWORD = re.compile(r"(?P<pre>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<post>@)", re.I)
_KV_PASSWORD = re.compile(r"(?P<pre>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)
_QUERY_PASSWORD = re.compile(r"(?P<pre>[?&]password=)(?P<pw>[^&\s]+)", re.I)


def resolve_dsn(dsn: str | None, *, required: bool = True) -> str | None:
    """Return the DSN given on the command line, else $EC_DATABASE_URL."""
    value = dsn or os.environ.get(ENV_VAR)
    if not value:
        if required:
            raise InputError(f"no database given: pass --dsn URL or set {ENV_VAR}")
        return None
    try:
        conninfo_to_dict(value)
    except Exception as exc:  # psycopg raises ProgrammingError for malformed strings
        raise InputError(f"invalid connection string {redact(value)!r}: {redact(str(exc))}") from None
    return value


def redact(text: str) -> str:
    """Remove passwords from any text that may contain a connection string."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['pre']}***{m['post']}", text)
    text = _KV_PASSWORD.sub(lambda m: f"{m['pre']}***", text)
    return _QUERY_PASSWORD.sub(lambda m: f"{m['pre']}***", text)
