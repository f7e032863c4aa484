"""ban-rename-table: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-rename-table"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders RENAME TO purchases;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER INDEX orders_idx RENAME TO purchases_idx;', RULE) == []
