"""The ``ec`` command line: one module per command group, discovered by ``main``."""
