"""ban-cluster: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-cluster"


def test_fires() -> None:
    hits = findings('CLUSTER orders USING orders_pkey;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE fresh (a int);\nCLUSTER fresh USING fresh_pkey;', RULE) == []
