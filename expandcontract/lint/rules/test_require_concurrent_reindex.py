"""require-concurrent-reindex: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-concurrent-reindex"


def test_fires() -> None:
    hits = findings('REINDEX INDEX orders_customer_idx;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('REINDEX INDEX CONCURRENTLY orders_customer_idx;', RULE) == []
