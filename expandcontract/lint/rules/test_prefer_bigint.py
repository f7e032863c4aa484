"""prefer-bigint: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "prefer-bigint"


def test_fires() -> None:
    hits = findings('CREATE TABLE t (id serial PRIMARY KEY);', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE t (id bigserial PRIMARY KEY, quantity integer);', RULE) == []
