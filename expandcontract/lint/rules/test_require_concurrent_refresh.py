"""require-concurrent-refresh: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-concurrent-refresh"


def test_fires() -> None:
    hits = findings('REFRESH MATERIALIZED VIEW order_totals;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;', RULE) == []
