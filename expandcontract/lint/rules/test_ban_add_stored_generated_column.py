"""ban-add-stored-generated-column: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-add-stored-generated-column"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (amount * 2) STORED;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE fresh (amount numeric, total numeric GENERATED ALWAYS AS (amount * 2) STORED);\nALTER TABLE fresh ADD COLUMN t2 numeric GENERATED ALWAYS AS (amount * 3) STORED;', RULE) == []
