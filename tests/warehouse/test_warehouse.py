"""The warehouse: versioned schema, idempotent bulk upserts, bad rows rejected with a
precise message, short connections that wait for a locked file, views analysts can read."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tests.warehouse_helpers import row, table
from warehouse.connection import WarehouseLockedError, connect, open_with_retry
from warehouse.load import known_external_ids, upsert_mentions
from warehouse.migrate import available_migrations, migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores
from warehouse.staging import read_staging_file


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with connect(path) as con:
        migrate(con)
    return path


def count(path: Path, sql: str) -> int:
    with connect(path, read_only=True) as con:
        return con.execute(sql).fetchall()[0][0]


def test_migrations_apply_once_and_are_recorded(db: Path) -> None:
    with connect(db) as con:
        assert migrate(con) == [], "a second run applies nothing"
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m.version for m in available_migrations()]


def test_loading_the_same_batch_twice_stores_each_mention_once(db: Path) -> None:
    batch = table(row("a"), row("b"), row("c"))
    with connect(db) as con:
        first = upsert_mentions(con, batch)
        second = upsert_mentions(con, batch)
    assert (first.new, first.updated) == (3, 0)
    assert (second.new, second.updated) == (0, 3)
    assert count(db, "SELECT count(*) FROM mentions") == 3


def test_duplicates_inside_one_batch_keep_the_latest_fetch(db: Path) -> None:
    old = row("a", text="Eerste versie.", fetched_at="2026-11-02T10:00:00+00:00")
    new = row("a", text="Aangepaste versie.", fetched_at="2026-11-03T10:00:00+00:00")
    with connect(db) as con:
        result = upsert_mentions(con, table(new, old))
        text = con.execute("SELECT text FROM mentions").fetchall()[0][0]
    assert (result.rows_in, result.duplicates_in_batch, result.new) == (2, 1, 1)
    assert text == "Aangepaste versie."


def test_an_edited_review_updates_the_row_and_keeps_first_seen(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("a")))
        first_seen = con.execute("SELECT first_seen_at FROM mentions").fetchall()[0][0]
        upsert_mentions(con, table(row("a", text="Toch niet zo goed.", reply="Sorry!")))
        got = con.execute("SELECT text, reply, first_seen_at FROM mentions").fetchall()[0]
    assert got == ("Toch niet zo goed.", "Sorry!", first_seen)


def test_same_external_id_in_two_sources_is_two_mentions(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("42", source="trustpilot"), row("42", source="webshop-reviews")))
    assert count(db, "SELECT count(DISTINCT mention_id) FROM mentions") == 2


def test_bad_staged_rows_are_rejected_by_file_line_and_field_the_rest_loads(tmp_path: Path) -> None:
    staged = tmp_path / "trustpilot__snelkoop.jsonl"
    lines = [
        json.dumps(row("ok1")),
        json.dumps(row("bad-date", published_at="gisteren")),
        json.dumps(row("bad-rating", rating_normalised=7)),
        json.dumps(row("", text="geen id")),
        json.dumps(row("naive", published_at="2026-11-01T10:00:00")),
        '{"source": "trustpilot", "brand": "Snelkoop", "ext',  # crawl killed mid-write
        json.dumps(row("ok2")),
    ]
    staged.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = read_staging_file(staged)
    assert batch.table.column("external_id").to_pylist() == ["ok1", "ok2"]
    assert batch.rejects == [
        f"{staged}:2: published_at: not an ISO 8601 timestamp: 'gisteren'",
        f"{staged}:3: rating_normalised: must be within [0, 1], got 7.0",
        f"{staged}:4: external_id: missing or empty",
        f"{staged}:5: published_at: timestamp without a UTC offset: '2026-11-01T10:00:00'",
        f"{staged}:6: (row): not valid JSON (Invalid control character at)",
    ]


def test_invalid_utf8_in_a_staged_file_does_not_stop_the_load(tmp_path: Path) -> None:
    staged = tmp_path / "x.jsonl"
    staged.write_bytes(json.dumps(row("a", text="caf\u00e9")).encode() + b"\n" + json.dumps(row("b")).encode().replace(b"Bestelling", b"Bestel\xffling") + b"\n")
    batch = read_staging_file(staged)
    assert batch.table.num_rows == 2
    assert "\ufffd" in batch.table.column("text")[1].as_py()


def test_known_ids_are_per_source_and_brand_newest_first(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("old", day=0), row("new", day=5), row("x", brand="Winkelwagen")))
        assert known_external_ids(con, "trustpilot", "Snelkoop") == ["new", "old"]


def _scores(mention_ids: list[str], model_id: str, text_md5s: list[str], label: str = "pos") -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"mention_id": m, "model_id": model_id, "text_md5": t, "label": label, "score": 0.5,
             "p_neg": 0.1, "p_neu": 0.2, "p_pos": 0.7, "language": "nl"}
            for m, t in zip(mention_ids, text_md5s, strict=True)
        ],
        schema=SCORE_SCHEMA,
    )


def test_only_unscored_texts_are_pending_and_a_model_change_rescores(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("a", title="Top"), row("b", title=None)))
        pending = pending_texts(con, "model-1")
        assert sorted(p.text for p in pending) == [
            "Bestelling b kwam netjes op tijd.",
            "Top. Bestelling a kwam netjes op tijd.",
        ]
        store_scores(con, _scores([p.mention_id for p in pending], "model-1", [p.text_md5 for p in pending]))
        assert pending_texts(con, "model-1") == []
        assert len(pending_texts(con, "model-2")) == 2


def test_an_edited_text_is_scored_again(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("a")))
        pending = pending_texts(con, "m")
        store_scores(con, _scores([pending[0].mention_id], "m", [pending[0].text_md5]))
        upsert_mentions(con, table(row("a", text="Pakket nooit aangekomen.")))
        again = pending_texts(con, "m")
    assert [p.text for p in again] == ["Prima. Pakket nooit aangekomen."]


def test_views_show_the_latest_score_and_daily_shares(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("a"), row("b"), row("c"), row("d", day=1)))
        pending = pending_texts(con, "m")
        ids = {p.mention_id: p for p in pending}
        labels = ["neg", "pos", "pos", "neu"]
        for (mention_id, p), label in zip(sorted(ids.items(), key=lambda kv: kv[1].text), labels, strict=True):
            store_scores(con, _scores([mention_id], "m", [p.text_md5], label=label))
        rows = con.execute(
            """SELECT day::VARCHAR, source, volume, scored, round(share_negative, 3), round(share_positive, 3)
               FROM daily_sentiment WHERE brand = 'Snelkoop' ORDER BY day, source DESC"""
        ).fetchall()
    assert rows == [
        ("2026-11-01", "trustpilot", 3, 3, 0.333, 0.667),
        ("2026-11-01", "all", 3, 3, 0.333, 0.667),
        ("2026-11-02", "trustpilot", 1, 1, 0.0, 0.0),
        ("2026-11-02", "all", 1, 1, 0.0, 0.0),
    ]


def test_days_are_amsterdam_calendar_days(db: Path) -> None:
    # 23:30 UTC on 1 November is 00:30 on 2 November in Amsterdam (CET, UTC+1).
    with connect(db) as con:
        upsert_mentions(con, table(row("late", published_at="2026-11-01T23:30:00+00:00")))
        assert con.execute("SELECT day::VARCHAR FROM mentions_scored").fetchall()[0][0] == "2026-11-02"


def _hold_write_lock(path: Path, seconds: float) -> subprocess.Popen[bytes]:
    code = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
        "print('locked', flush=True); time.sleep(float(sys.argv[2]))"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(path), str(seconds)], stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    return holder


def test_a_locked_file_is_waited_for_then_opened(db: Path, caplog: pytest.LogCaptureFixture) -> None:
    holder = _hold_write_lock(db, 1.5)
    started = time.monotonic()
    con = open_with_retry(db, timeout_s=30, poll_s=0.5)
    con.close()
    holder.wait()
    assert time.monotonic() - started >= 0.5
    assert any("is locked by another process" in r.getMessage() for r in caplog.records)


def test_a_file_locked_too_long_gives_a_clear_error(db: Path) -> None:
    holder = _hold_write_lock(db, 5)
    try:
        with pytest.raises(WarehouseLockedError, match=r"wh\.duckdb: still locked by another process after 1 s"):
            open_with_retry(db, timeout_s=1, poll_s=0.5)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(shutil.which("duckdb") is None, reason="duckdb CLI (pip install duckdb-cli) not installed")
def test_analysts_can_query_the_views_with_the_duckdb_cli(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("a"), row("b")))
    result = subprocess.run(
        ["duckdb", "-readonly", "-csv", str(db), "-c", "SELECT volume FROM daily_sentiment WHERE source = 'all'"],
        capture_output=True, text=True, check=True,
    )
    assert result.stdout.split() == ["volume", "2"]


def test_unknown_errors_are_not_mistaken_for_locks(tmp_path: Path) -> None:
    not_a_db = tmp_path / "x.duckdb"
    not_a_db.write_text("this is not a database")
    with pytest.raises(duckdb.Error):
        open_with_retry(not_a_db, timeout_s=5)
