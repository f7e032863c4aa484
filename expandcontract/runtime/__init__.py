"""The small library an application imports to tell the contract gate it is running.

    from expandcontract.runtime import register
    registration = register("orders", "v2", "manifest.yaml", engine=engine)

Light on purpose: it needs psycopg (and SQLAlchemy only when you hand it an engine or a
MetaData), never the CLI's dependencies. See docs/runtime.md.
"""

from .names import application_name, dsn_with_app_name, parse_application_name
from .registration import Registration, register

__all__ = [
    "Registration",
    "application_name",
    "dsn_with_app_name",
    "parse_application_name",
    "register",
]
