"""ban-drop-column: fires on the unsafe form, stays silent on the near miss."""

from ._testing import findings

RULE = "ban-drop-column"


def test_fires() -> None:
    hits = findings('ALTER TABLE orders DROP COLUMN email;', RULE)
    assert len(hits) == 1
    assert hits[0].line == 1


def test_near_miss_does_not_fire() -> None:
    assert findings('CREATE TABLE fresh (a int, b int);\nALTER TABLE fresh DROP COLUMN b;', RULE) == []


def test_expand_phase_is_an_error() -> None:
    hits = findings("-- ec:phase expand\nALTER TABLE orders DROP COLUMN email;", RULE)
    assert [h.severity for h in hits] == ["error"] and "expand" in hits[0].message


def test_contract_phase_is_an_info_reminder_of_the_gate() -> None:
    hits = findings("-- ec:phase contract\nALTER TABLE orders DROP COLUMN email;", RULE)
    assert [h.severity for h in hits] == ["info"] and "ec gate" in hits[0].message


def test_phase_argument_overrides_the_comment() -> None:
    hits = findings("-- ec:phase expand\nALTER TABLE orders DROP COLUMN email;", RULE,
                    phase="contract")
    assert [h.severity for h in hits] == ["info"]
