"""require-not-valid-check: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-not-valid-check"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;', RULE) == []
