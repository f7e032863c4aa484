"""ec's own state, kept in the target database in the ``expandcontract`` schema."""

from .schema import STATE_SCHEMA, ensure_component

__all__ = ["STATE_SCHEMA", "ensure_component"]
