"""ban-drop-object: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-drop-object"


def test_fires() -> None:
    hits = findings('DROP VIEW order_totals;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('DROP INDEX CONCURRENTLY orders_idx;', RULE) == []
