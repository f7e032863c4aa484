"""require-constraint-using-index: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-constraint-using-index"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_idx;', RULE) == []
