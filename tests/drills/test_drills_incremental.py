"""Drill "cost grows with new data, not history": the incrementally maintained tables of
migration 004 give exactly the answers computed from scratch (the macros of views 010, 020),
after any mix of new mentions, edited texts, moved dates, relabelled origins (organic/invited),
several models and re-scoring;
rows written past them are never missed; a load touches only its own days."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from tests.warehouse_helpers import row, table
from warehouse import incremental
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores

REF_MENTIONS = "SELECT * FROM mentions_scored_from_base(true)"
REF_DAILY = "SELECT * FROM daily_sentiment_from_base(true)"


def _rows(con, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _rounded(rows: list[tuple]) -> list[tuple]:
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows]


def assert_views_match_reference(con) -> None:
    assert incremental.sync_status(con).in_sync
    assert _rows(con, "SELECT * FROM mentions_scored") == _rows(con, REF_MENTIONS)
    assert _rounded(_rows(con, "SELECT * FROM daily_sentiment")) == _rounded(_rows(con, REF_DAILY))


def _scores(pending, model: str, rng: random.Random) -> pa.Table:
    labels = ["neg", "neu", "pos"]
    rows = []
    for p in pending:
        label = rng.choice(labels)
        rows.append({"mention_id": p.mention_id, "model_id": model, "text_md5": p.text_md5, "label": label,
                     "score": {"neg": -0.7, "neu": 0.0, "pos": 0.8}[label] + rng.uniform(-0.1, 0.1),
                     "p_neg": 0.2, "p_neu": 0.3, "p_pos": 0.5, "language": "nl"})
    return pa.Table.from_pylist(rows, schema=SCORE_SCHEMA)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with connect(path) as con:
        migrate(con)
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_loads_edits_and_rescoring_match_the_reference_views(db: Path, seed: int) -> None:
    rng = random.Random(seed)
    known: list[str] = []
    with connect(db) as con:
        for step in range(12):
            batch = []
            for _ in range(rng.randint(1, 15)):
                if known and rng.random() < 0.35:  # an edit: new text, sometimes a new date or brand
                    ext = rng.choice(known)
                    extra = {"text": f"Aangepast {rng.random():.6f}"}
                    if rng.random() < 0.3:
                        extra["published_at"] = (datetime(2026, 11, 1, 12, tzinfo=UTC) + timedelta(hours=rng.randint(-200, 200))).isoformat()
                    if rng.random() < 0.1:
                        extra["brand"] = "Winkelwagen"
                    if rng.random() < 0.2:  # a platform relabels the review's origin
                        extra["provenance"] = rng.choice([None, "organic", "invited", "other"])
                    batch.append(row(ext, day=rng.randint(0, 6), **extra))
                else:
                    ext = f"r{len(known)}"
                    known.append(ext)
                    batch.append(row(ext, source=rng.choice(["trustpilot", "kiyoh"]), day=rng.randint(0, 6),
                                     title=rng.choice([None, "Top", "Slecht"]),
                                     provenance=rng.choice([None, "organic", "invited", "invited", "other"]),
                                     rating_normalised=rng.choice([None, 0.0, 0.25, 1.0])))
            upsert_mentions(con, table(*batch))
            model = rng.choice(["m1", "m1", "m2"])
            pending = pending_texts(con, model)
            store_scores(con, _scores(rng.sample(pending, k=len(pending) * rng.randint(1, 3) // 3), model, rng))
            assert_views_match_reference(con)
        # The maintained tables equal a rebuild from scratch.
        before = _rows(con, "SELECT * EXCLUDE (previous_day, changed_at) FROM current_scores")
        days_before = _rounded(_rows(con, "SELECT * EXCLUDE (refreshed_at) FROM daily_aggregates"))
        pending_before = {m: pending_texts(con, m) for m in ("m1", "m2", "m3")}
        incremental.rebuild(con)
        assert _rows(con, "SELECT * EXCLUDE (previous_day, changed_at) FROM current_scores") == before
        assert _rounded(_rows(con, "SELECT * EXCLUDE (refreshed_at) FROM daily_aggregates")) == days_before
        for model, pending in pending_before.items():
            assert pending_texts(con, model) == pending
            assert [(p.mention_id, p.text, p.text_md5) for p in pending] == _pending_reference(con, model)


def _pending_reference(con, model_id: str) -> list[tuple]:
    text = "concat_ws('. ', nullif(trim(m.title), ''), m.text)"
    return con.execute(
        f"""SELECT m.mention_id, {text}, md5({text}) FROM mentions AS m
            LEFT JOIN sentiment_scores AS s ON s.mention_id = m.mention_id AND s.model_id = ?
            WHERE s.mention_id IS NULL OR s.text_md5 <> md5({text})
            ORDER BY m.published_at, m.mention_id""",
        [model_id],
    ).fetchall()


def test_pending_texts_from_current_scores_equal_the_full_comparison(db: Path) -> None:
    rng = random.Random(5)
    with connect(db) as con:
        upsert_mentions(con, table(*(row(f"p{i}", day=i % 4) for i in range(20))))
        store_scores(con, _scores(pending_texts(con, "m1")[:12], "m1", rng))
        store_scores(con, _scores(pending_texts(con, "m2")[:5], "m2", rng))
        upsert_mentions(con, table(row("p1", text="Toch kapot."), row("p15", text="Nu wel goed.")))
        for model in ("m1", "m2", "m3"):
            got = [(p.mention_id, p.text, p.text_md5) for p in pending_texts(con, model)]
            assert got == _pending_reference(con, model), model


def test_rows_written_past_the_loader_are_never_missed_and_the_next_migrate_repairs(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(row("a"), row("b")))
        # An analyst (or a script) inserting by hand, past the loader:
        con.execute(
            """INSERT INTO mentions (mention_id, source, external_id, brand, published_at, text, first_seen_at, last_seen_at)
               VALUES (md5('trustpilot:hand'), 'trustpilot', 'hand', 'Snelkoop', TIMESTAMPTZ '2026-11-01 13:00:00+00',
                       'Met de hand', now(), now())"""
        )
        con.execute("""INSERT INTO sentiment_scores VALUES (md5('trustpilot:hand'), 'x', 'h', 'neg', -0.9, NULL, NULL, NULL, 'nl', now())""")
        assert not incremental.sync_status(con).in_sync
        assert con.execute("SELECT count(*), count(sentiment) FROM mentions_scored").fetchall() == [(3, 1)]
        assert con.execute("SELECT volume, scored FROM daily_sentiment WHERE source = 'all'").fetchall() == [(3, 1)]
        assert _rows(con, "SELECT * FROM mentions_scored") == _rows(con, REF_MENTIONS)
        # A load through the loader keeps it (correctly) out of sync ...
        upsert_mentions(con, table(row("c")))
        assert not incremental.sync_status(con).in_sync
        assert con.execute("SELECT count(*) FROM mentions_scored").fetchall() == [(4,)]
        # ... until the next run's migrate rebuilds the maintained tables.
        migrate(con)
        assert_views_match_reference(con)


def test_a_load_recomputes_only_the_days_it_touches(db: Path) -> None:
    with connect(db) as con:
        upsert_mentions(con, table(*(row(f"h{i}", day=i) for i in range(30))))
        stamps = dict(con.execute("SELECT day, refreshed_at FROM daily_aggregates").fetchall())
        moved = row("h3", published_at=(datetime(2026, 11, 1, 12, tzinfo=UTC) + timedelta(days=33)).isoformat())
        upsert_mentions(con, table(row("new", day=31), moved))
        after = dict(con.execute("SELECT day, refreshed_at FROM daily_aggregates").fetchall())
    changed = {d for d in after if after[d] != stamps.get(d)} | (set(stamps) - set(after))
    assert sorted(str(d) for d in changed) == ["2026-11-04", "2026-12-02", "2026-12-04"], \
        "the new day, the day h3 moved to and the day it left; nothing else"


def test_views_of_a_warehouse_that_was_migrated_before_004_are_filled_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        migrate(con)
        upsert_mentions(con, table(row("a"), row("b", day=1)))
        # Pretend the warehouse predates migration 004.
        con.execute("DROP VIEW daily_sentiment; DROP VIEW mentions_scored; DROP VIEW mentions_scored_recomputed; "
                    "DROP VIEW warehouse_sync_status")
        con.execute("DROP VIEW sentiment_corrections")
        con.execute("DROP VIEW canned_replies; DROP VIEW service_recovery; DROP VIEW recovered_customers; "
                    "DROP VIEW reply_inbox; DROP VIEW reply_performance; DROP VIEW reply_facts")  # views 060
        for name in (*incremental.MAINTAINED_TABLES, "sentiment_correction_log", "sentiment_models", "source_watermarks",
                     "unkeyed_fallback_ids", "mention_versions", "reply_sources", "reply_settings",
                     "key_drivers_by_language", "text_embeddings", "embedding_lists", "near_duplicates",  # 060
                     "theme_clusters"):  # 061
            con.execute(f"DROP TABLE {name}")
        for table_name, column in (("mentions", "provenance"), ("mentions", "verification"),
                                   ("mentions", "provenance_raw"), ("crawl_runs", "note"),  # migrations 030, 032
                                   ("mentions", "id_hash"),  # migration 041
                                   ("mentions", "reply_at"), ("mentions", "reply_at_basis"),
                                   ("mentions", "reply_author"), ("mentions", "version_seen_at"),  # migration 050
                                   ("insight_tagged", "language"), ("insight_brands", "languages")):  # 070
            con.execute(f"ALTER TABLE {table_name} DROP COLUMN {column}")
        con.execute("CREATE TABLE emerging_pre070 AS SELECT * EXCLUDE (language) FROM emerging_terms; "
                    "DROP TABLE emerging_terms; ALTER TABLE emerging_pre070 RENAME TO emerging_terms")  # 070
        con.execute("DELETE FROM schema_migrations WHERE version >= 4")  # and the later ones
        migrate(con)
        assert_views_match_reference(con)
        assert con.execute("SELECT sum(volume) FROM daily_sentiment WHERE source = 'all'").fetchall() == [(2,)]
        assert "id_hash" in [r[0] for r in con.execute("DESCRIBE current_scores").fetchall()]
