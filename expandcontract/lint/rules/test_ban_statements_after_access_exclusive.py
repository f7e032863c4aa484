"""ban-statements-after-access-exclusive: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-statements-after-access-exclusive"


def test_fires() -> None:
    hits = findings("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = '' WHERE id < 10;\nCOMMIT;", RULE)
    assert len(hits) == 1
    assert hits[0].line == 3


def test_near_miss_does_not_fire() -> None:
    assert findings("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nUPDATE orders SET note = '' WHERE id < 10;", RULE) == []
