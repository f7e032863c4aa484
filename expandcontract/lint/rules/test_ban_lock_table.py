"""ban-lock-table: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-lock-table"


def test_fires() -> None:
    hits = findings('BEGIN;\nLOCK TABLE orders;\nCOMMIT;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 2


def test_near_miss_does_not_fire() -> None:
    assert findings('BEGIN;\nLOCK TABLE orders IN ACCESS SHARE MODE;\nCOMMIT;', RULE) == []
