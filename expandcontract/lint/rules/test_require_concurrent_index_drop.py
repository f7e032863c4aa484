"""require-concurrent-index-drop: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-concurrent-index-drop"


def test_fires() -> None:
    hits = findings('DROP INDEX orders_customer_idx;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('DROP INDEX CONCURRENTLY orders_customer_idx;', RULE) == []


def test_index_created_if_not_exists_may_be_an_old_one() -> None:
    """CREATE INDEX IF NOT EXISTS skips when the name is taken, possibly by an old index."""
    new = "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\nDROP INDEX i;"
    assert findings(new, RULE) == []
    maybe_old = "CREATE TABLE t (a int);\nCREATE INDEX IF NOT EXISTS i ON t (a);\nDROP INDEX i;"
    assert [h.line for h in findings(maybe_old, RULE)] == [3]
