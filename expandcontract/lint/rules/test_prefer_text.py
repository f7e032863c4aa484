"""prefer-text: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "prefer-text"


def test_fires() -> None:
    hits = findings('CREATE TABLE t (name varchar(100));', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE t (name text, code varchar);', RULE) == []
