"""ban-set-logged-unlogged: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-set-logged-unlogged"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders SET UNLOGGED;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders SET (fillfactor = 90);', RULE) == []
