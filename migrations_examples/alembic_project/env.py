"""Alembic's generic env.py; the one ec line is database_url(): $EC_DATABASE_URL, when set,
is the database for both alembic and ec. ec's operations need nothing here (plugin)."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from expandcontract.alembic.env import database_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

target_metadata = None
url = database_url(config.get_main_option("sqlalchemy.url"))


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # transaction_per_migration: ec operations commit Alembic's transaction before they
        # run (autocommit_block); one transaction per revision keeps that easy to reason about.
        context.configure(connection=connection, target_metadata=target_metadata,
                          transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
