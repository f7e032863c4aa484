"""Identifiers in the human text of a plan (operation summaries and notes, step and backfill
descriptions, contract requirements) are shown as PostgreSQL's quote_ident shows them: plain names bare, anything
else quoted, so a hostile name reads as one name."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conftest import run_ec
from test_identifiers import NEW_T, OPERATIONS, SCHEMA_SQL, S, write_migration

from expandcontract.sqltext import shown

NAMES = [
    "orders", "customer_email", "_x", "a1", "t$", "a$b", "Orders", "1abc", "ümlaut", "two words",
    'Or"ders; DROP TABLE x', "", "select", "user", "table", "int", "time", "between", "left",
    "authorization", "name", "value", "position", "text", "id", "e.mail",
]


def test_shown_is_quote_ident(ec_db: Any) -> None:
    with ec_db.connect() as conn:
        server = [conn.execute("SELECT quote_ident(%s)", (n,)).fetchone()[0] for n in NAMES]
    assert [shown(n) for n in NAMES] == server
    assert shown("public", "orders") == "public.orders"
    assert shown(S, NEW_T) == '"Sch ""ema; 1"."New ""Tbl""; x"'


# A quoted identifier, or a string literal (one note names an index that way).
_QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')


def _names(value: Any) -> list[str]:
    """Every string in the migration document that is used as a name (not SQL text)."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            if key in ("up", "down", "check", "default", "where", "type"):
                continue
            out += _names(item)
        return out
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return [value] if isinstance(value, str) else []


def test_plan_text_quotes_hostile_names(ec_db: Any, tmp_path: Path) -> None:
    ec_db.execute(SCHEMA_SQL)
    result = run_ec("plan", str(write_migration(tmp_path)), "--dsn", ec_db.dsn, "--format", "json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    texts = [op["summary"] for op in plan["operations"]]
    texts += [note for op in plan["operations"] for note in op["notes"]]
    texts += [s["description"] for phase in ("expand", "contract") for s in plan["phases"][phase]]
    texts += [s["description"] for s in plan["rollback"]]
    texts += [b["description"] for b in plan["phases"]["backfill"]]
    texts += [r[k] for r in plan["contract_requires"] for k in ("text", "reason")]
    assert f"create table {shown(S, NEW_T)}" in texts
    assert 'create table "Sch ""ema; 1"."New ""Tbl""; x"' in texts

    hostile = sorted({n for n in _names(OPERATIONS) if shown(n) != n}, key=len, reverse=True)
    for text in texts:
        rest = _QUOTED.sub("", text)
        assert '"' not in rest, text
        assert not [n for n in hostile if n in rest], text
