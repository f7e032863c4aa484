"""ban-enum-rename-value: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-enum-rename-value"


def test_fires() -> None:
    hits = findings("ALTER TYPE status RENAME VALUE 'old' TO 'new';", RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings("ALTER TYPE status ADD VALUE 'new';", RULE) == []
