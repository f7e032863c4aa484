"""The ``alembic.plugins`` entry point: Alembic (>= 1.18) calls ``setup()`` when it is imported,
so ``op.ec_*`` exist in every revision without an import."""

from __future__ import annotations

import warnings
from typing import Any


def setup(plugin: Any) -> None:
    """Register ec's operations. ``plugin`` is Alembic's Plugin object (autogenerate hooks
    would go there; ec adds none)."""
    from .ops import register

    try:
        register()
    except Exception as exc:  # never break `import alembic` for a project over ec's plugin
        warnings.warn(f"expandcontract: ec's Alembic operations are unavailable: {exc}",
                      stacklevel=2)
