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


ALTER = "ALTER TABLE orders ADD COLUMN a text;"


def test_set_in_rolled_back_transaction_is_undone() -> None:
    for set_it in ("SET lock_timeout = '2s';", "SET LOCAL lock_timeout = '2s';",
                   "SELECT set_config('lock_timeout', '2s', false);"):
        sql = f"BEGIN;\n{set_it}\nROLLBACK;\n{ALTER}"
        assert [h.line for h in findings(sql, RULE)] == [4], set_it
    kept = f"BEGIN;\nSET lock_timeout = '2s';\nCOMMIT;\n{ALTER}"
    assert findings(kept, RULE) == []


def test_reset_in_rolled_back_transaction_is_undone_too() -> None:
    sql = f"SET lock_timeout = '2s';\nBEGIN;\nRESET lock_timeout;\nROLLBACK;\n{ALTER}"
    assert findings(sql, RULE) == []


def test_rollback_to_savepoint_undoes_what_came_after_it() -> None:
    undone = f"BEGIN;\nSAVEPOINT s;\nSET lock_timeout = '2s';\nROLLBACK TO SAVEPOINT s;\n{ALTER}\nCOMMIT;"
    assert [h.line for h in findings(undone, RULE)] == [5]
    kept = f"BEGIN;\nSET lock_timeout = '2s';\nSAVEPOINT s;\nRELEASE SAVEPOINT s;\n{ALTER}\nCOMMIT;"
    assert findings(kept, RULE) == []
    off_undone = f"BEGIN;\nSET LOCAL lock_timeout = '2s';\nSAVEPOINT s;\nSET LOCAL lock_timeout = 0;\n" \
                 f"ROLLBACK TO s;\n{ALTER}\nCOMMIT;"
    assert findings(off_undone, RULE) == []


def test_turned_off_again_fires() -> None:
    for off in ("RESET lock_timeout;", "RESET ALL;", "DISCARD ALL;", "SET lock_timeout = 0;",
                "SET lock_timeout = '0ms';", "SET lock_timeout TO DEFAULT;",
                "SELECT set_config('lock_timeout', '0', false);"):
        sql = f"SET lock_timeout = '2s';\n{off}\n{ALTER}"
        assert [h.line for h in findings(sql, RULE)] == [3], off


def test_set_local_zero_overrides_session_value_until_the_transaction_ends() -> None:
    sql = f"SET lock_timeout = '2s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\n{ALTER}\nCOMMIT;\n{ALTER}"
    assert [h.line for h in findings(sql, RULE)] == [4]
    after = f"SET lock_timeout = '2s';\nBEGIN;\nSET LOCAL lock_timeout = 0;\nCOMMIT;\n{ALTER}"
    assert findings(after, RULE) == []
