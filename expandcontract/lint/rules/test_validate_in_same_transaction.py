"""validate-in-same-transaction: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "validate-in-same-transaction"


def test_fires() -> None:
    hits = findings('BEGIN;\nALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT positive;\nCOMMIT;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 3


def test_near_miss_does_not_fire() -> None:
    assert findings('BEGIN;\nALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT positive;', RULE) == []
