"""concurrently-in-transaction: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "concurrently-in-transaction"


def test_fires() -> None:
    hits = findings('BEGIN;\nCREATE INDEX CONCURRENTLY i ON orders (x);\nCOMMIT;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 2


def test_near_miss_does_not_fire() -> None:
    assert findings('BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON orders (x);', RULE) == []


def test_assume_in_transaction_makes_a_plain_file_one_transaction() -> None:
    sql = "CREATE INDEX CONCURRENTLY i ON orders (x);"
    assert findings(sql, RULE) == []
    assert len(findings(sql, RULE, assume_in_transaction=True)) == 1
