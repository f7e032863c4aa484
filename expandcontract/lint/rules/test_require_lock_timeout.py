"""require-lock-timeout: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-lock-timeout"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD COLUMN note text;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings("SET lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN note text;", RULE) == []


def test_set_local_expires_at_commit() -> None:
    sql = ("BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN a text;\nCOMMIT;\n"
           "ALTER TABLE orders ADD COLUMN b text;")
    hits = findings(sql, RULE)
    assert [h.line for h in hits] == [5]


def test_set_config_counts_and_zero_does_not() -> None:
    ok = "SELECT set_config('lock_timeout', '1s', false);\nALTER TABLE orders ADD COLUMN a text;"
    assert findings(ok, RULE) == []
    off = "SET lock_timeout = 0;\nALTER TABLE orders ADD COLUMN a text;"
    assert len(findings(off, RULE)) == 1
