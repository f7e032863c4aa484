"""The batch statements on their own: range end + update in one statement, the batch of a
claimed range (lease check, lock timeout, all-or-nothing), and the batch sizer."""

from __future__ import annotations

import psycopg
import pytest
from test_backfill import FILL_B, make_items

from expandcontract.backfill.batching import Boundary, resolve_key, run_batch
from expandcontract.backfill.claimed import run_claimed_batch
from expandcontract.backfill.job import Job
from expandcontract.backfill.rate import MAX_GROWTH, BatchSizer
from expandcontract.backfill.state import ensure_state
from expandcontract.backfill.worker import Lease
from expandcontract.planning.steps import Backfill, TableRef


def test_run_batch_finds_the_end_and_updates_only_rows_that_differ(ec_db):
    make_items(ec_db, 3_000)
    ec_db.execute("DELETE FROM items WHERE id % 7 = 0")  # gaps in the key
    ec_db.execute("UPDATE items SET b = a * 2 WHERE id % 5 = 0")  # already right: skipped
    ec_db.execute("UPDATE items SET hits = 0")  # count only the batch's updates from here
    with ec_db.connect() as conn:
        key = resolve_key(conn, FILL_B)
        # A full batch: the end is the 500th key after the cursor.
        boundary, updated = run_batch(conn, FILL_B, key, ["100"], None, 500)
        expected_end = ec_db.scalar("SELECT id FROM items WHERE id > 100 ORDER BY id OFFSET 499 LIMIT 1")
        assert boundary.end == [str(expected_end)] and boundary.count == 500 and not boundary.last
        assert updated == ec_db.scalar(
            "SELECT count(*) FROM items WHERE id > 100 AND id <= %s AND id %% 5 <> 0", (expected_end,))
        assert ec_db.scalar("SELECT count(*) FROM items WHERE hits = 1") == updated
        assert ec_db.scalar("SELECT count(*) FROM items WHERE hits = 1 AND (id <= 100 OR id > %s)",
                            (expected_end,)) == 0
        # Fewer keys left in the range than the size: the range is done, its end is hi.
        tail, _ = run_batch(conn, FILL_B, key, [str(expected_end)], ["2000"], 5_000)
        assert tail.last and tail.end == ["2000"]
        assert tail.count == ec_db.scalar("SELECT count(*) FROM items WHERE id > %s AND id <= 2000",
                                          (expected_end,))
        # Open-ended and empty: nothing to do, done.
        empty, none_updated = run_batch(conn, FILL_B, key, ["999999"], None, 10)
        assert empty.last and empty.count == 0 and empty.end is None and none_updated == 0


def test_run_batch_on_a_composite_key(ec_db):
    ec_db.execute("CREATE TABLE pairs (tenant int, code text, a int NOT NULL, b int, PRIMARY KEY (tenant, code))")
    ec_db.execute("INSERT INTO pairs SELECT t, 'c' || g, g, NULL FROM generate_series(1, 3) t,"
                  " generate_series(1, 400) g")
    fill = Backfill(TableRef("pairs"), (("b", "a + tenant"),), "fill pairs.b")
    with ec_db.connect() as conn:
        key = resolve_key(conn, fill)
        cursor: list[str] | None = None
        covered = 0
        while True:
            boundary, _ = run_batch(conn, fill, key, cursor, None, 170)
            covered += boundary.count
            if boundary.last:
                break
            expected = ec_db.execute(
                "SELECT tenant::text, code FROM pairs WHERE (tenant, code) > (%s::int, %s::text)"
                " ORDER BY tenant, code OFFSET 169 LIMIT 1", cursor or ["0", ""])[0]
            assert boundary.end == list(expected)
            cursor = boundary.end
    assert covered == 1_200
    assert ec_db.scalar("SELECT count(*) FROM pairs WHERE b IS DISTINCT FROM a + tenant") == 0


def _claimed_range(ec_db, owner: str) -> None:
    with ec_db.connect() as conn:
        ensure_state(conn)
    ec_db.execute("INSERT INTO expandcontract.backfill_jobs (migration, idx, table_name, key_columns,"
                  " key_types) VALUES ('one', 0, 'items', ARRAY['id'], ARRAY['bigint'])")
    ec_db.execute("INSERT INTO expandcontract.backfill_ranges (migration, idx, range_no, lo, hi, cursor,"
                  " owner) VALUES ('one', 0, 1, ARRAY['100'], ARRAY['600'], ARRAY['100'], %s)", (owner,))


def _claimed_batch(conn, key, owner: str, lo: list[str] | None, lock_timeout_ms: int = 2000):
    job = Job("one", 0, FILL_B)
    return run_claimed_batch(
        conn, job.backfill, key, lock_timeout_ms=lock_timeout_ms, migration=job.migration,
        index=job.index, range_no=1, owner=owner, lo=lo, end=["600"], count=500, last=True,
        lease_ttl=60.0, batch_size=500,
    )


def _range(ec_db) -> tuple:
    return ec_db.execute("SELECT cursor, status, rows_scanned, rows_updated FROM"
                         " expandcontract.backfill_ranges WHERE migration = 'one'")[0]


def test_claimed_batch_checks_the_lease_and_commits_rows_and_cursor_together(ec_db):
    make_items(ec_db, 1_000)
    _claimed_range(ec_db, "me")
    with ec_db.connect() as conn:
        key = resolve_key(conn, FILL_B)
        # Not our range (taken over), or not at the cursor we claimed it at: nothing is written.
        assert _claimed_batch(conn, key, "someone-else", ["100"]) is None
        assert _claimed_batch(conn, key, "me", ["50"]) is None
        assert ec_db.scalar("SELECT count(*) FROM items WHERE hits > 0") == 0
        assert _range(ec_db) == (["100"], "claimed", 0, 0)
        assert ec_db.scalar("SELECT count(*) FROM expandcontract.backfill_batches") == 0
        # Ours: the rows, the cursor and the log, together.
        assert _claimed_batch(conn, key, "me", ["100"]) == 500
    assert ec_db.execute("SELECT min(id), max(id), count(*) FROM items WHERE hits = 1")[0] == (101, 600, 500)
    assert _range(ec_db) == (["600"], "done", 500, 500)
    assert ec_db.execute("SELECT worker, rows_scanned, rows_updated FROM expandcontract.backfill_batches")[0] == \
        ("me", 500, 500)


def test_claimed_batch_obeys_the_lock_timeout_and_writes_nothing(ec_db):
    make_items(ec_db, 1_000)
    _claimed_range(ec_db, "me")
    holder = ec_db.connect(autocommit=False)
    holder.execute("SELECT * FROM items WHERE id = 300 FOR UPDATE")  # an app transaction
    try:
        with ec_db.connect() as conn:
            key = resolve_key(conn, FILL_B)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                _claimed_batch(conn, key, "me", ["100"], lock_timeout_ms=100)
    finally:
        holder.rollback()
        holder.close()
    # All or nothing: rows before the locked one were not kept, the cursor did not move.
    assert ec_db.scalar("SELECT count(*) FROM items WHERE hits > 0") == 0
    assert _range(ec_db) == (["100"], "claimed", 0, 0)


def test_sizer_starts_from_the_probe_then_grows_at_most_20_percent_a_step():
    sizer = BatchSizer(target_seconds=0.5, initial=1_000, maximum=200_000)
    assert sizer.size == 1_000
    sizer.record(1_000, 0.02)  # the probe: 50,000 rows/s
    assert sizer.size == 25_000  # 50,000 rows/s x 0.5 s
    sizes = [sizer.size]
    for _ in range(20):
        sizer.record(sizer.size, sizer.size / 800_000)  # bigger batches run faster per row
        sizes.append(sizer.size)
    assert all(b <= a * MAX_GROWTH + 1 for a, b in zip(sizes, sizes[1:], strict=False))
    assert sizes[-1] == 200_000  # clamped to the maximum
    steady = BatchSizer(target_seconds=0.5, initial=1_000)
    steady.record(1_000, 0.01)  # probe: 100,000 rows/s
    steady.record(steady.size, 0.5)  # as fast: stays
    assert steady.size == 50_000
    steady.record(steady.size, 5.0)  # ten times slower: the next batch shrinks at once
    assert steady.size < 50_000 / 1.5
    fixed = BatchSizer(target_seconds=0.5, initial=700, fixed=True)
    fixed.record(700, 0.0001)
    assert fixed.size == 700  # --batch-size N: no probe, N it is


def test_a_claimed_range_slightly_over_the_size_is_one_batch_not_a_batch_and_a_sliver():
    claimed = Lease(1, ["0"], ["1050"], Boundary(["1050"], 1050, True))
    assert claimed.fits(1050) and claimed.fits(1000)  # shrank a little: still one batch
    assert not claimed.fits(525)  # halved after a lock timeout: split, retried smaller
    assert not Lease(1, ["0"], ["1050"]).fits(10**6)  # end not known: the long way


def test_unique_index_in_another_collation_is_walked_in_the_index_collation(ec_db):
    """A fallback key whose unique index has its own collation: the keyset compares and orders
    in the index's collation (the order the index is in, and the one in which the keys are
    unique), not the column's. Here the column is case-insensitive, so 'a1' and 'A1' are equal
    in the column's collation although the index holds both."""
    try:
        ec_db.execute("CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2',"
                      " deterministic = false)")
    except psycopg.Error:
        pytest.skip("this server has no ICU collations")
    ec_db.execute("CREATE TABLE words (code text COLLATE ci NOT NULL, a int NOT NULL, b int)")
    ec_db.execute('CREATE UNIQUE INDEX words_code ON words (code COLLATE "C")')
    ec_db.execute("INSERT INTO words SELECT w || g, g, NULL FROM generate_series(1, 500) g,"
                  " unnest(ARRAY['a', 'A', 'b', 'B']) w")
    fill = Backfill(TableRef("words"), (("b", "a"),), "fill words.b")
    with ec_db.connect() as conn:
        key = resolve_key(conn, fill)
        assert key.source == "unique index words_code"
        cursor: list[str] | None = None
        covered = 0
        while True:
            boundary, _ = run_batch(conn, fill, key, cursor, None, 37)
            covered += boundary.count
            if boundary.last:
                break
            cursor = boundary.end
    # Every key counted once: the keys walked are the table's rows.
    assert covered == 2_000
    assert ec_db.scalar("SELECT count(*) FROM words WHERE b IS DISTINCT FROM a") == 0
