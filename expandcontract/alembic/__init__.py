"""Alembic integration: ec's own operations (``op.ec_*``), the ``alembic.plugins`` entry point,
Alembic revisions as ec input, and the expand/contract branch splitter (docs/alembic.md)."""

# Alembic first: importing it runs its plugin entry points, ours included, which import
# .ops; importing .ops first would re-enter it half-initialised.
import alembic as _alembic  # noqa: F401
