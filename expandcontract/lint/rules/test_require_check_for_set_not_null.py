"""require-check-for-set-not-null: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "require-check-for-set-not-null"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ALTER COLUMN email SET NOT NULL;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT email_nn;\nALTER TABLE orders ALTER COLUMN email SET NOT NULL;', RULE) == []


def test_check_validated_in_the_same_transaction_still_fires() -> None:
    sql = ("BEGIN;\nALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL);\n"
           "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;\nCOMMIT;")
    hits = findings(sql, RULE)
    assert len(hits) == 1 and hits[0].line == 3 and "same transaction" in hits[0].message


def test_before_pg12_the_check_does_not_help() -> None:
    sql = ("ALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
           "ALTER TABLE orders VALIDATE CONSTRAINT email_nn;\n"
           "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;")
    assert len(findings(sql, RULE, pg_version=11)) == 1


def test_check_on_another_column_does_not_count() -> None:
    sql = ("ALTER TABLE orders ADD CONSTRAINT nn CHECK (other IS NOT NULL);\n"
           "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;")
    assert len(findings(sql, RULE)) == 1


def test_validate_then_set_not_null_in_one_transaction_without_a_prior_lock_is_cheap() -> None:
    # Measured on PostgreSQL 15: VALIDATE scans under SHARE UPDATE EXCLUSIVE (reads and writes
    # go on), and SET NOT NULL in the same transaction already uses the validated CHECK
    # ("existing constraints ... are sufficient to prove that it does not contain nulls").
    sql = ("ALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
           "BEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT email_nn;\n"
           "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;\nCOMMIT;")
    assert findings(sql, RULE) == []


def test_validate_under_this_transactions_access_exclusive_still_fires() -> None:
    # The NOT VALID add took ACCESS EXCLUSIVE first: the VALIDATE scan runs while it is held.
    sql = ("BEGIN;\nALTER TABLE orders ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
           "ALTER TABLE orders VALIDATE CONSTRAINT email_nn;\n"
           "ALTER TABLE orders ALTER COLUMN email SET NOT NULL;\nCOMMIT;")
    hits = findings(sql, RULE)
    assert len(hits) == 1 and hits[0].line == 4 and "same transaction" in hits[0].message
