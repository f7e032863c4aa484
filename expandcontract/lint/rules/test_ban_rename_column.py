"""ban-rename-column: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-rename-column"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders RENAME COLUMN email TO customer_email;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE fresh (a int);\nALTER TABLE fresh RENAME COLUMN a TO b;', RULE) == []
