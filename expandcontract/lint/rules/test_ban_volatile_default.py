"""ban-volatile-default: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-volatile-default"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();', RULE) == []


def test_any_default_rewrites_before_pg11() -> None:
    hits = findings("ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';", RULE, pg_version=10)
    assert len(hits) == 1 and hits[0].severity == "error"


def test_constant_default_is_fine_from_pg11() -> None:
    assert findings("ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';", RULE) == []


def test_unknown_function_is_a_warning() -> None:
    hits = findings("ALTER TABLE orders ADD COLUMN x int DEFAULT my_func();", RULE)
    assert [h.severity for h in hits] == ["warning"]
