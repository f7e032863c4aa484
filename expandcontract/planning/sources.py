"""Turn any input ec accepts (migration file or plain SQL file) into a Migration."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .model import Migration

MIGRATION_SUFFIXES = {".yaml", ".yml", ".json"}
SQL_SUFFIXES = {".sql"}
ALEMBIC_SUFFIXES = {".py"}  # an Alembic revision: upgrade() run offline (docs/alembic.md)


def load_any(path: Path) -> Migration:
    suffix = path.suffix.lower()
    if suffix in MIGRATION_SUFFIXES:
        from .load_yaml import load_migration_file

        return load_migration_file(path)
    if suffix in SQL_SUFFIXES:
        from .load_sql import load_sql_file

        return load_sql_file(path)
    if suffix in ALEMBIC_SUFFIXES:
        from ..alembic.revision import load_revision_file

        return load_revision_file(path)
    raise InputError(
        "unknown file type (expected .yaml, .yml, .json, .sql or an Alembic revision .py)",
        where=str(path),
    )
