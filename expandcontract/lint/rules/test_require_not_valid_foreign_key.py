"""require-not-valid-foreign-key: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-not-valid-foreign-key"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;', RULE) == []
