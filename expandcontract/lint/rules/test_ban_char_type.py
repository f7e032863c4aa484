"""ban-char-type: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-char-type"


def test_fires() -> None:
    hits = findings('CREATE TABLE t (code char(3));', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE t (code text, flag "char");', RULE) == []
