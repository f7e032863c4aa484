"""ban-drop-table: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-drop-table"


def test_fires() -> None:
    hits = findings('DROP TABLE orders;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE scratch (a int);\nDROP TABLE scratch;', RULE) == []
