"""A tiny "orders" application for the gate tests: registers, then queries until stopped.

    python tests/apps/orders_app.py --dsn DSN --version v1 [--interval 0.5] [--driver sqlalchemy]

v1 uses orders.old_customer_ref (the column the seed migration drops); v2 uses
orders.customer_email instead. Prints "ready <instance id>" once registered and querying.
SIGTERM is left to expandcontract.runtime (deregister, then terminate as usual).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from typing import Any

from expandcontract.runtime import register

MANIFESTS: dict[str, dict[str, Any]] = {
    "v1": {"tables": {
        "orders": {"reads": ["id", "customer_id", "old_customer_ref", "total_cents"],
                   "writes": ["customer_id", "old_customer_ref", "total_cents"]},
        "customers": {"reads": ["id", "email"]},
    }},
    "v2": {"tables": {
        "orders": {"reads": ["id", "customer_id", "customer_email", "total_cents"],
                   "writes": ["customer_id", "customer_email", "total_cents"]},
        "customers": {"reads": ["id", "email"]},
    }},
}
QUERIES = {
    "v1": "SELECT id, old_customer_ref FROM orders WHERE id = %s",
    "v2": "SELECT id, customer_email FROM orders WHERE id = %s",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--version", required=True, choices=sorted(MANIFESTS))
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--driver", choices=["psycopg", "sqlalchemy"], default="psycopg")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)

    if args.driver == "sqlalchemy":
        import sqlalchemy as sa
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(args.dsn)
        url = sa.URL.create("postgresql+psycopg", username=params.get("user"),
                            host=params.get("host"), port=int(params.get("port") or 5432),
                            database=params.get("dbname"))
        engine = sa.create_engine(url)
        reg = register("orders", args.version, MANIFESTS[args.version], engine=engine,
                       heartbeat_interval=args.interval)

        def query(i: int) -> None:
            with engine.connect() as conn:
                conn.exec_driver_sql(QUERIES[args.version], (i,)).fetchall()
    else:
        import psycopg

        reg = register("orders", args.version, MANIFESTS[args.version], dsn=args.dsn,
                       heartbeat_interval=args.interval)
        conn = psycopg.connect(args.dsn, autocommit=True, **reg.connect_kwargs())

        def query(i: int) -> None:
            conn.execute(QUERIES[args.version], (i,)).fetchall()

    query(1)
    print(f"ready {reg.instance_id}", flush=True)
    i = 1
    while True:
        i += 1
        query(i % 1000 + 1)
        time.sleep(0.1)


if __name__ == "__main__":
    main()
