"""require-concurrent-index: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-concurrent-index"


def test_fires() -> None:
    hits = findings('CREATE INDEX i ON orders (customer_id);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX i ON orders (customer_id);\nCREATE INDEX CONCURRENTLY j ON other (x);', RULE) == []


def test_table_created_if_not_exists_may_be_old_and_full() -> None:
    """IF NOT EXISTS does nothing when the table is there already, with all its rows: not new."""
    for create in ("CREATE TABLE IF NOT EXISTS orders (id bigint, customer_id bigint);",
                   "CREATE TABLE IF NOT EXISTS orders AS SELECT 1 AS customer_id;"):
        hits = findings(f"{create}\nCREATE INDEX i ON orders (customer_id);", RULE)
        assert [h.line for h in hits] == [2], create
    plain = "CREATE TABLE orders AS SELECT 1 AS customer_id;\nCREATE INDEX i ON orders (customer_id);"
    assert findings(plain, RULE) == []
