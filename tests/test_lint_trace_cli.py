"""`ec lint --trace --dsn` end to end: the CLI reports the locks PostgreSQL really took."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_ec

SQL = """\
SET lock_timeout = '1s';
CREATE TABLE items (id bigint PRIMARY KEY, sku text, qty int);
CREATE INDEX items_sku_idx ON items (sku);
CREATE INDEX CONCURRENTLY items_qty_idx ON items (qty);
ALTER TABLE items ALTER COLUMN sku SET NOT NULL;
ALTER TABLE items ALTER COLUMN qty TYPE bigint;
"""


def _blocks(stdout: str) -> dict[int, list[str]]:
    """Trace text output -> {line of the statement: its indented report lines}."""
    blocks: dict[int, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        head = line.split(" ", 1)[0]
        if head.startswith(("/", "<")) and ":" in head and head.rsplit(":", 1)[1].isdigit() \
                and not line.startswith(" "):
            if len(head.split(":")) == 2:  # file:line (a finding is file:line:col:)
                current = blocks.setdefault(int(head.rsplit(":", 1)[1]), [])
                continue
            current = None
        elif current is not None and line.startswith("    "):
            current.append(line.strip())
    return blocks


def test_trace_text_reports_real_locks_rewrites_and_untraceable_concurrently(ec_db, tmp_path: Path) -> None:
    path = tmp_path / "m.sql"
    path.write_text(SQL)
    proc = run_ec("lint", "--trace", "--dsn", ec_db.dsn, str(path))
    # every statement touches a table created in the file: no static finding, exit 0
    assert proc.returncode == 0, proc.stderr
    blocks = _blocks(proc.stdout)
    assert sorted(blocks) == [1, 2, 3, 4, 5, 6]
    assert blocks[3][0] == "locks: AccessExclusiveLock on items_sku_idx, ShareLock on items"
    assert blocks[4][0].startswith("locks: not traceable in a transaction")
    assert blocks[5][0] == "locks: AccessExclusiveLock on items"  # SET NOT NULL
    assert not any(b.startswith("rewrote:") for b in blocks[3] + blocks[5])  # no rewrite
    assert "AccessExclusiveLock on items," in blocks[6][0]
    (rewrote,) = [b for b in blocks[6] if b.startswith("rewrote:")]
    rewritten = set(rewrote[len("rewrote:"):].replace(",", " ").split())
    # the CONCURRENTLY index was applied: the type change rebuilds it with the others
    assert {"items", "items_pkey", "items_qty_idx", "items_sku_idx"} <= rewritten
    assert all(b[-1] == "static: no findings" for b in blocks.values())
    # the table was created in the scratch database only
    assert ec_db.scalar("SELECT to_regclass('public.items')") is None


def test_trace_json_on_an_existing_table_sits_next_to_the_static_findings(ec_db, tmp_path: Path) -> None:
    ec_db.execute("CREATE TABLE items (id bigint PRIMARY KEY, sku text, qty int)")
    path = tmp_path / "m.sql"
    path.write_text(SQL.replace("CREATE TABLE items", "CREATE TABLE other"))
    proc = run_ec("lint", "--trace", "--trace-copy-schema", "--format", "json",
                  "--dsn", ec_db.dsn, str(path))
    assert proc.returncode == 1, proc.stderr  # static error findings decide the exit
    entries = {e["line"]: e for e in json.loads(proc.stdout)["trace"]}
    assert entries[3]["locks"] == ["AccessExclusiveLock on items_sku_idx", "ShareLock on items"]
    assert entries[3]["static_findings"] == ["require-concurrent-index"]
    assert entries[4]["transactional"] is False and entries[4]["locks"] == []
    assert entries[4]["static_findings"] == []
    assert entries[5]["locks"] == ["AccessExclusiveLock on items"] and entries[5]["rewritten"] == []
    assert entries[5]["static_findings"] == ["require-check-for-set-not-null"]
    assert "items" in entries[6]["rewritten"]
    assert "ban-rewriting-type-change" in entries[6]["static_findings"]
    assert all(e["error"] is None and e["apply_error"] is None for e in entries.values())
    assert ec_db.scalar("SELECT count(*) FROM pg_indexes WHERE tablename = 'items'") == 1
