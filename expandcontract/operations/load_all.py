"""Import every operation module so that each registers its type (one module per type)."""

import importlib
import pkgutil
from pathlib import Path

_SKIP = {"base", "load_all"}

for _module in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _module.name not in _SKIP and not _module.name.startswith("_") and not _module.name.startswith("test_"):
        importlib.import_module(f"{__package__}.{_module.name}")
