"""prefer-timestamptz: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "prefer-timestamptz"


def test_fires() -> None:
    hits = findings('CREATE TABLE t (created_at timestamp);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE t (created_at timestamptz);', RULE) == []
