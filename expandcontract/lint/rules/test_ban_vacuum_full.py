"""ban-vacuum-full: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-vacuum-full"


def test_fires() -> None:
    hits = findings('VACUUM FULL orders;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('VACUUM (ANALYZE) orders;', RULE) == []
