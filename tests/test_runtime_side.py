"""register(side=...) makes every connection of the app carry expandcontract.side, which the
sync triggers read to know exactly which shape a write comes from."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import sqlalchemy

from expandcontract.runtime import register

MANIFEST = {"tables": {"users": {"reads": ["id"], "writes": ["id"]}}}
SHOW = "SELECT current_setting('expandcontract.side', true), current_setting('application_name')"


def test_dsn_registration_gives_connect_kwargs_with_the_side(ec_db: Any) -> None:
    reg = register("users", "v2", MANIFEST, dsn=ec_db.dsn, heartbeat_interval=5,
                   handle_sigterm=False, side="new")
    try:
        with psycopg.connect(ec_db.dsn, **reg.connect_kwargs()) as conn:
            assert conn.execute(SHOW).fetchone() == ("new", "ec:users@v2")
    finally:
        reg.close()


def test_engine_connections_carry_the_side_and_keep_their_own_options(ec_db: Any) -> None:
    url = sqlalchemy.engine.make_url(
        f"postgresql+psycopg://postgres@127.0.0.1:{ec_db.server.port}/{ec_db.name}"
    ).update_query_dict({"options": "-c search_path=public"})
    engine = sqlalchemy.create_engine(url)
    try:
        with register("users", "v1", MANIFEST, engine=engine, heartbeat_interval=5,
                      handle_sigterm=False, side="old"), engine.connect() as conn:
            row = conn.execute(sqlalchemy.text(SHOW)).one()
            path = conn.execute(sqlalchemy.text("SHOW search_path")).scalar()
        assert tuple(row) == ("old", "ec:users@v1")
        assert path == "public"
    finally:
        engine.dispose()


def test_psycopg_connection_is_set_now(ec_db: Any) -> None:
    with psycopg.connect(ec_db.dsn, autocommit=True) as conn:
        reg = register("users", "v2", MANIFEST, connection=conn, heartbeat_interval=5,
                       handle_sigterm=False, side="new")
        try:
            assert conn.execute(SHOW).fetchone() == ("new", "ec:users@v2")
        finally:
            reg.close()


def test_no_side_leaves_the_setting_unset(ec_db: Any) -> None:
    with register("users", "v2", MANIFEST, dsn=ec_db.dsn, heartbeat_interval=5,
                  handle_sigterm=False) as reg:
        assert "options" not in reg.connect_kwargs()


def test_a_wrong_side_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        register("users", "v2", MANIFEST, dsn="host=127.0.0.1 port=1", side="newer")
