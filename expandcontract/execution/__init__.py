"""Running plans against the database: executor, state store, journal, pre-contract checks."""
