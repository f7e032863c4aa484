"""Turn any input ec accepts (migration file or plain SQL file) into a Migration."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .model import Migration

MIGRATION_SUFFIXES = {".yaml", ".yml", ".json"}
SQL_SUFFIXES = {".sql"}


def load_any(path: Path) -> Migration:
    suffix = path.suffix.lower()
    if suffix in MIGRATION_SUFFIXES:
        from .load_yaml import load_migration_file

        return load_migration_file(path)
    if suffix in SQL_SUFFIXES:
        from .load_sql import load_sql_file

        return load_sql_file(path)
    raise InputError(
        "unknown file type (expected .yaml, .yml, .json or .sql)", where=str(path)
    )
