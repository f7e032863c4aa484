"""ban-enum-add-value-in-transaction: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-enum-add-value-in-transaction"


def test_fires() -> None:
    hits = findings("BEGIN;\nALTER TYPE status ADD VALUE 'archived';\nCOMMIT;", RULE, pg_version=11)
    assert len(hits) == 1
    assert hits[0].line == 2


def test_near_miss_does_not_fire() -> None:
    assert findings("ALTER TYPE status ADD VALUE 'archived';", RULE, pg_version=11) == []
