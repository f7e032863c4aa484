"""``ec lint``: static analysis of SQL and Alembic migrations for locking and breaking DDL.

Public API (used by the CLI, the tracer and the corpus):
``engine.lint_text``, ``engine.lint_paths``, ``model.Finding``, ``config.LintConfig``.
"""
