"""ban-unbounded-dml: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-unbounded-dml"


def test_fires() -> None:
    hits = findings('UPDATE orders SET email = lower(email);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('UPDATE orders SET email = lower(email) WHERE id BETWEEN 1 AND 10000;', RULE) == []
