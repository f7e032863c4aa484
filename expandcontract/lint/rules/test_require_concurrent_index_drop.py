"""require-concurrent-index-drop: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-concurrent-index-drop"


def test_fires() -> None:
    hits = findings('DROP INDEX orders_customer_idx;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('DROP INDEX CONCURRENTLY orders_customer_idx;', RULE) == []
