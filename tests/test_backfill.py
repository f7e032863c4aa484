"""ec backfill against real PostgreSQL: batches, keys, resumability, pause/resume, dry run."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

from conftest import ROOT, run_ec

from expandcontract.backfill.batching import resolve_key
from expandcontract.backfill.job import Job, Options
from expandcontract.backfill.runner import run_backfill
from expandcontract.execution import store
from expandcontract.execution.stepcodec import backfill_to_json
from expandcontract.planning.steps import Backfill, TableRef

FILL_B = Backfill(TableRef("items"), (("b", "a * 2"),), "fill items.b from a")

# A per-row counter bumped by every UPDATE that changes b: counts how often each row was
# backfilled. Exactly-once means every row ends with hits = 1.
COUNTER_TRIGGER = """
CREATE FUNCTION count_hits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.b IS DISTINCT FROM OLD.b THEN NEW.hits := OLD.hits + 1; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER count_hits BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION count_hits();
"""


def make_items(db, rows: int, *, slow_ms: int = 0) -> None:
    db.execute(
        "CREATE TABLE items (id bigint PRIMARY KEY, a int NOT NULL, b int, hits int NOT NULL DEFAULT 0)"
    )
    db.execute(f"INSERT INTO items (id, a) SELECT g, g % 1000 FROM generate_series(1, {rows}) g")
    db.execute(COUNTER_TRIGGER)
    if slow_ms:
        # A per-batch delay, so a small table still takes many batches over a few seconds.
        db.execute(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN PERFORM pg_sleep({slow_ms / 1000}); RETURN NULL; END $$;"
            " CREATE TRIGGER slow AFTER UPDATE ON items FOR EACH STATEMENT EXECUTE FUNCTION slow();"
        )
    db.execute("ANALYZE items")


def register(db, name: str, *backfills: Backfill, phase: str = "expanded") -> None:
    """A migration record as `ec expand` leaves it, with these backfills in its stored plan."""
    with db.connect() as conn:
        store.ensure_state(conn)
        document = {"name": name, "operations": [{"sql": {"up": "SELECT 1"}}]}
        store.create_migration(conn, name, document, None,
                               {"backfill": [backfill_to_json(b) for b in backfills]})
        store.set_phase(conn, name, phase)


def hits(db) -> dict[int, int]:
    return dict(db.execute("SELECT hits, count(*) FROM items GROUP BY hits"))


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def popen_ec(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("EC_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "expandcontract.cli.main", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_backfill_updates_every_row_once_and_verifies(ec_db):
    make_items(ec_db, 20_000)
    register(ec_db, "m1", FILL_B)
    done = run_ec("backfill", "m1", "--dsn", ec_db.dsn, "--batch-size", "700", "--verify",
                  "--format", "json")
    assert done.returncode == 0, done.stderr
    lines = json_lines(done.stdout)
    end = [ln for ln in lines if ln["event"] == "end"][-1]
    assert end["state"] == "done" and end["rows_done"] == 20_000 and end["rows_updated"] == 20_000
    assert [ln for ln in lines if ln["event"] == "verify"][0]["differences"] == 0
    assert ec_db.scalar("SELECT count(*) FROM items WHERE b IS DISTINCT FROM a * 2") == 0
    assert hits(ec_db) == {1: 20_000}
    # A second run finds the job done and changes nothing.
    again = run_ec("backfill", "m1", "--dsn", ec_db.dsn, "--format", "json")
    assert again.returncode == 0, again.stderr
    assert hits(ec_db) == {1: 20_000}
    [end] = [ln for ln in json_lines(again.stdout) if ln["event"] == "end"]  # says so, too
    assert end["state"] == "done" and end["rows_done"] == 20_000


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached in time")


def batches_committed(db, name: str) -> int:
    if db.scalar("SELECT to_regclass('expandcontract.backfill_batches')") is None:
        return 0
    return db.scalar("SELECT count(*) FROM expandcontract.backfill_batches WHERE migration = %s", (name,))


def test_kill_9_at_random_moments_then_rerun_is_exactly_once(ec_db):
    rows = 60_000
    make_items(ec_db, rows, slow_ms=10)
    register(ec_db, "k9", FILL_B)
    rng = random.Random(os.environ.get("EC_TEST_SEED", "k9"))
    interrupted_midway = 0
    for _ in range(10):
        proc = popen_ec("backfill", "k9", "--dsn", ec_db.dsn, "--batch-size", "400", "--format", "json")
        before = batches_committed(ec_db, "k9")
        # Kill once the run has committed something of its own, plus a random extra moment.
        wait_for(lambda b=before, p=proc: batches_committed(ec_db, "k9") > b or p.poll() is not None)
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        if ec_db.scalar("SELECT status FROM expandcontract.backfill_jobs WHERE migration = 'k9'") != "done":
            interrupted_midway += 1
        # Never more than once per row, even in the middle of all this.
        assert set(hits(ec_db)) <= {0, 1}
    assert interrupted_midway >= 5
    final = run_ec("backfill", "k9", "--dsn", ec_db.dsn, "--verify", "--format", "json")
    assert final.returncode == 0, final.stderr
    verify = [ln for ln in json_lines(final.stdout) if ln["event"] == "verify"]
    assert verify[0]["differences"] == 0
    assert hits(ec_db) == {1: rows}
    with ec_db.connect() as conn:
        from expandcontract.backfill.report import backfill_report

        report = backfill_report(conn, "k9")
    assert report[0]["state"] == "done" and report[0]["verified"] is True
    assert report[0]["rows_done"] == rows == report[0]["rows_updated"]


def test_two_processes_update_every_row_exactly_once(ec_db):
    rows = 60_000
    make_items(ec_db, rows, slow_ms=5)
    register(ec_db, "two", FILL_B)
    procs = [popen_ec("backfill", "two", "--dsn", ec_db.dsn, "--batch-size", "300", "--workers", "2",
                      "--format", "json") for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert hits(ec_db) == {1: rows}
    # Both processes really worked on it (worker ids are host:pid:random).
    pids = {w.split(":")[1] for (w,) in ec_db.execute(
        "SELECT DISTINCT worker FROM expandcontract.backfill_batches WHERE migration = 'two'")}
    assert {str(p.pid) for p in procs} <= pids
    assert ec_db.scalar("SELECT count(*) FROM items WHERE b IS DISTINCT FROM a * 2") == 0


def test_composite_key_in_process(ec_db):
    ec_db.execute("CREATE TABLE pairs (tenant int, code text, a int NOT NULL, b int,"
                  " hits int NOT NULL DEFAULT 0, PRIMARY KEY (tenant, code))")
    # Codes whose text order differs from numeric order, and tenants with many rows each.
    ec_db.execute("INSERT INTO pairs (tenant, code, a) SELECT t, 'c' || g, g"
                  " FROM generate_series(1, 7) t, generate_series(1, 1500) g")
    ec_db.execute(COUNTER_TRIGGER.replace("ON items", "ON pairs"))
    job = Job("cmp", 0, Backfill(TableRef("pairs"), (("b", "a + tenant"),), "fill pairs.b"))
    with ec_db.connect() as conn:
        key = resolve_key(conn, job.backfill)
    assert key.columns == ("tenant", "code") and key.source == "primary key"
    snap = run_backfill(lambda: ec_db.connect(), job, Options(batch_size=97, workers=3))
    assert snap["state"] == "done" and snap["rows_done"] == 7 * 1500
    assert dict(ec_db.execute("SELECT hits, count(*) FROM pairs GROUP BY hits")) == {1: 7 * 1500}
    assert ec_db.scalar("SELECT count(*) FROM pairs WHERE b IS DISTINCT FROM a + tenant") == 0


def test_no_primary_key_is_a_clear_error_and_unique_not_null_index_is_used(ec_db):
    ec_db.execute("CREATE TABLE loose (x int, a int, b int)")
    ec_db.execute("INSERT INTO loose SELECT g, g, NULL FROM generate_series(1, 100) g")
    register(ec_db, "nokey", Backfill(TableRef("loose"), (("b", "a"),), "fill loose.b"))
    out = run_ec("backfill", "nokey", "--dsn", ec_db.dsn)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "'loose'" in out.stderr and "no primary key" in out.stderr
    assert ec_db.scalar("SELECT count(*) FROM loose WHERE b IS NOT NULL") == 0
    # A unique index on a nullable column is not a key; on a NOT NULL column it is.
    ec_db.execute("CREATE UNIQUE INDEX loose_x ON loose (x)")
    assert run_ec("backfill", "nokey", "--dsn", ec_db.dsn).returncode == 2
    ec_db.execute("ALTER TABLE loose ALTER COLUMN x SET NOT NULL")
    ok = run_ec("backfill", "nokey", "--dsn", ec_db.dsn, "--batch-size", "7", "--verify")
    assert ok.returncode == 0, ok.stderr
    assert ec_db.scalar("SELECT count(*) FROM loose WHERE b IS DISTINCT FROM a") == 0


def test_dry_run_changes_nothing(ec_db):
    make_items(ec_db, 1_000)
    register(ec_db, "dry", FILL_B)
    out = run_ec("backfill", "dry", "--dsn", ec_db.dsn, "--dry-run", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["dry_run"] is True
    assert data["backfills"][0]["rows_to_do"] == 1_000 and data["backfills"][0]["key"] == ["id"]
    assert "UPDATE" in data["backfills"][0]["batch_sql"]
    assert ec_db.scalar("SELECT count(*) FROM items WHERE b IS NOT NULL") == 0
    assert ec_db.scalar("SELECT to_regclass('expandcontract.backfill_jobs')") is None
    # As text: the replicas given are listed, their passwords never.
    text = run_ec("backfill", "dry", "--dsn", ec_db.dsn, "--dry-run",
                  "--replica", "postgresql://app:s3cr3t-pw@127.0.0.1:1/x")
    assert text.returncode == 0, text.stderr
    assert "replica given: postgresql://app:***@127.0.0.1:1/x" in text.stdout
    assert "s3cr3t-pw" not in text.stdout + text.stderr
    assert ec_db.scalar("SELECT to_regclass('expandcontract.backfill_jobs')") is None


def test_pause_and_resume_from_another_process(ec_db):
    rows = 30_000
    make_items(ec_db, rows, slow_ms=20)
    register(ec_db, "pz", FILL_B)
    proc = popen_ec("backfill", "pz", "--dsn", ec_db.dsn, "--batch-size", "300", "--format", "json",
                    "--poll-interval", "0.2s")
    wait_for(lambda: batches_committed(ec_db, "pz") > 2)
    paused = run_ec("pause", "pz", "--dsn", ec_db.dsn, "--reason", "peak hour")
    assert paused.returncode == 0, paused.stderr
    # Wait for the state to show paused, then no batch commits while the flag is set.
    wait_for(lambda: ec_db.scalar(
        "SELECT state FROM expandcontract.backfill_jobs WHERE migration = 'pz'") == "paused")
    count = batches_committed(ec_db, "pz")
    time.sleep(1.0)
    assert batches_committed(ec_db, "pz") == count
    assert proc.poll() is None
    # `ec status`, as from another host, shows the same state and reason.
    status = run_ec("status", "pz", "--dsn", ec_db.dsn, "--format", "json")
    assert status.returncode == 0, status.stderr
    [shown] = json.loads(status.stdout)["migrations"][0]["backfill"]
    assert shown["state"] == "paused" and "peak hour" in shown["throttle_reason"]
    assert 0 < shown["rows_done"] < rows
    resumed = run_ec("resume", "pz", "--dsn", ec_db.dsn)
    assert resumed.returncode == 0 and "resumed" in resumed.stdout
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    states = [ln for ln in json_lines(out) if ln["state"] == "paused"]
    assert states and "peak hour" in states[0]["throttle_reason"]
    assert hits(ec_db) == {1: rows}


def test_sigint_finishes_the_batch_and_saves_the_cursor(ec_db):
    rows = 30_000
    make_items(ec_db, rows, slow_ms=20)
    register(ec_db, "ci", FILL_B)
    proc = popen_ec("backfill", "ci", "--dsn", ec_db.dsn, "--batch-size", "250", "--format", "json")
    wait_for(lambda: batches_committed(ec_db, "ci") > 3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1].startswith("ec: error:") and "cursor is saved" in err
    done = ec_db.scalar("SELECT sum(rows_scanned) FROM expandcontract.backfill_ranges WHERE migration = 'ci'")
    assert 0 < done < rows
    # The saved cursor covers exactly the rows updated: nothing in flight was lost or doubled.
    assert hits(ec_db) == {1: done, 0: rows - done}
    again = run_ec("backfill", "ci", "--dsn", ec_db.dsn, "--format", "json")
    assert again.returncode == 0, again.stderr
    assert hits(ec_db) == {1: rows}


def test_expand_then_backfill_then_evidence_end_to_end(ec_db, tmp_path):
    make_items(ec_db, 5_000)
    migration = tmp_path / "items_c.yaml"
    migration.write_text(
        "name: items_c\noperations:\n  - add_column:\n      table: items\n      column:\n"
        "        name: c\n        type: integer\n        nullable: true\n      up: a * 3\n"
    )
    expanded = run_ec("expand", str(migration), "--dsn", ec_db.dsn)
    assert expanded.returncode == 0, expanded.stderr
    done = run_ec("backfill", "items_c", "--dsn", ec_db.dsn, "--verify", "--batch-size", "333")
    assert done.returncode == 0, done.stderr
    # Not a terminal: JSON lines even without --format json.
    [verify] = [ln for ln in json_lines(done.stdout) if ln["event"] == "verify"]
    assert verify["differences"] == 0 and verify["verified"] is True
    assert ec_db.scalar("SELECT count(*) FROM items WHERE c IS DISTINCT FROM a * 3") == 0
    status = run_ec("status", "items_c", "--dsn", ec_db.dsn, "--format", "json")
    [shown] = json.loads(status.stdout)["migrations"][0]["backfill"]
    assert shown["state"] == "done" and shown["verified"] is True and shown["rows_done"] == 5_000
    backfill_gate = [e for e in json.loads(status.stdout)["migrations"][0]["gate"]["evidence"]
                     if e["source"] == "backfill"]
    assert backfill_gate and backfill_gate[0]["verdict"] == "pass"


def run_on_terminal(*args: str) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdout (as in an operator's shell); all it printed."""
    import pty

    env = {**os.environ, "COLUMNS": "200", "TERM": "xterm"}
    env.pop("EC_DATABASE_URL", None)
    env.pop("NO_COLOR", None)
    main, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "expandcontract.cli.main", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary)
    os.close(secondary)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return proc.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_a_terminal_gets_the_live_bar_not_json(ec_db):
    make_items(ec_db, 20_000)
    register(ec_db, "tty", FILL_B)
    code, shown = run_on_terminal("backfill", "tty", "--dsn", ec_db.dsn, "--batch-size", "700")
    assert code == 0, shown
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)  # without colours and cursor moves
    assert '"event"' not in plain  # not the JSON lines of a pipe
    # The bar's last frame: rows done of the estimated total, %, rows/s, ETA, batch, lag, state.
    last = plain.split("done: tty#0")[0].split("tty#0 items")[-1]
    assert re.search(r"100\.0% 20,000 / ~20,000 rows\s+[\d,]+ rows/s\s+ETA 0:00\s+batch 700\s+lag \S+\s+done",
                     last), last
    assert "done: tty#0 items: 20,000 rows (20,000 updated)" in plain
    assert hits(ec_db) == {1: 20_000}


def test_after_rollback_and_expand_again_the_backfill_starts_over(ec_db, tmp_path):
    """A new expand round has a new, empty target: the last round's finished and verified
    backfill neither counts as done (ec status, the contract evidence) nor skips the work."""
    make_items(ec_db, 3_000)
    migration = tmp_path / "items_d.yaml"
    migration.write_text(
        "name: items_d\noperations:\n  - add_column:\n      table: items\n      column:\n"
        "        name: d\n        type: integer\n        nullable: true\n      up: a + 1\n"
    )
    assert run_ec("expand", str(migration), "--dsn", ec_db.dsn).returncode == 0
    first = run_ec("backfill", "items_d", "--dsn", ec_db.dsn, "--verify")
    assert first.returncode == 0, first.stderr
    assert run_ec("rollback", "items_d", "--dsn", ec_db.dsn).returncode == 0
    assert run_ec("expand", str(migration), "--dsn", ec_db.dsn).returncode == 0
    assert ec_db.scalar("SELECT count(d) FROM items") == 0  # round 2: the column is new again

    def shown() -> tuple[dict, dict]:
        status = json.loads(run_ec("status", "items_d", "--dsn", ec_db.dsn, "--format", "json").stdout)
        [bf] = status["migrations"][0]["backfill"]
        [gate] = [e for e in status["migrations"][0]["gate"]["evidence"] if e["source"] == "backfill"]
        return bf, gate

    bf, gate = shown()
    assert bf["state"] == "pending" and bf["verified"] is None and gate["verdict"] != "pass"
    again = run_ec("backfill", "items_d", "--dsn", ec_db.dsn, "--verify", "--format", "json")
    assert again.returncode == 0, again.stderr
    [end] = [ln for ln in json_lines(again.stdout) if ln["event"] == "end"]
    assert end["rows_done"] == 3_000 and end["rows_updated"] == 3_000
    assert ec_db.scalar("SELECT count(*) FROM items WHERE d IS DISTINCT FROM a + 1") == 0
    bf, gate = shown()
    assert bf["state"] == "done" and bf["verified"] is True and gate["verdict"] == "pass"
