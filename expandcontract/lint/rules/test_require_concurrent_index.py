"""require-concurrent-index: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-concurrent-index"


def test_fires() -> None:
    hits = findings('CREATE INDEX i ON orders (customer_id);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE orders (id bigint, customer_id bigint);\nCREATE INDEX i ON orders (customer_id);\nCREATE INDEX CONCURRENTLY j ON other (x);', RULE) == []
