"""ban-truncate: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-truncate"


def test_fires() -> None:
    hits = findings('TRUNCATE orders;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE staging (a int);\nTRUNCATE staging;', RULE) == []
