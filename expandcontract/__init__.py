"""expandcontract: zero-downtime PostgreSQL schema migrations (expand, backfill, contract)."""

__version__ = "0.1.0"
