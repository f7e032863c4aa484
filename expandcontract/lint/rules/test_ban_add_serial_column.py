"""ban-add-serial-column: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-add-serial-column"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD COLUMN seq bigserial;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders ADD COLUMN seq bigint;', RULE) == []
