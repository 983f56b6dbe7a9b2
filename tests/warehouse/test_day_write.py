"""Writing a day without primary-key indexes (migration 041, docs/operations.md): the two
biggest tables hold each key once without an index behind it, so a day's write no longer
grows with the index, and every load stays idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import applied_versions, available_migrations, migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores


def scores(con: duckdb.DuckDBPyConnection, model: str, label: str) -> pa.Table:
    return pa.Table.from_pylist(
        [{"mention_id": p.mention_id, "model_id": model, "text_md5": p.text_md5, "label": label,
          "score": {"neg": -0.8, "pos": 0.8}[label], "p_neg": None, "p_neu": None, "p_pos": None, "language": "nl"}
         for p in pending_texts(con, model)], schema=SCORE_SCHEMA)


def key_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int, int]:
    """(mentions, distinct mention ids, current_scores rows, distinct ids there)."""
    return con.execute(
        """SELECT (SELECT count(*) FROM mentions), (SELECT count(DISTINCT mention_id) FROM mentions),
                  (SELECT count(*) FROM current_scores), (SELECT count(DISTINCT mention_id) FROM current_scores)"""
    ).fetchall()[0]


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        yield con


def test_mentions_and_current_scores_have_no_key_index(con: duckdb.DuckDBPyConnection) -> None:
    indexed = con.execute(
        """SELECT table_name, constraint_type FROM duckdb_constraints()
           WHERE table_name IN ('mentions', 'current_scores') AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')
           UNION ALL
           SELECT table_name, index_name FROM duckdb_indexes() WHERE table_name IN ('mentions', 'current_scores')"""
    ).fetchall()
    assert indexed == []


def test_loading_the_same_day_twice_stores_each_review_once(con: duckdb.DuckDBPyConnection) -> None:
    day = table(row("a"), row("b", day=1), row("c", day=2))
    first = upsert_mentions(con, day)
    store_scores(con, scores(con, "m", "pos"))
    second = upsert_mentions(con, day)
    assert (first.new, first.updated, second.new, second.updated) == (3, 0, 0, 3)
    assert key_counts(con) == (3, 3, 3, 3)
    assert con.execute("SELECT count(*) FROM mentions_scored WHERE sentiment = 'pos'").fetchall() == [(3,)], \
        "the scores stay the current ones"


def test_an_edited_and_re_dated_review_is_updated_in_place(con: duckdb.DuckDBPyConnection) -> None:
    upsert_mentions(con, table(row("a"), row("b", day=3)))
    store_scores(con, scores(con, "m", "pos"))
    result = upsert_mentions(con, table(row("a", day=20, text="Toch kapot aangekomen.")))
    assert (result.new, result.updated) == (0, 1)
    assert key_counts(con) == (2, 2, 2, 2)
    assert con.execute("SELECT text, day FROM mentions_scored WHERE mention_id = md5('trustpilot:a')").fetchall() \
        == [("Toch kapot aangekomen.", date(2026, 11, 21))]
    assert con.execute("SELECT day, volume FROM daily_sentiment WHERE source = 'all' ORDER BY day").fetchall() \
        == [(date(2026, 11, 4), 1), (date(2026, 11, 21), 1)], "the review left its old day"
    store_scores(con, scores(con, "m", "neg"))
    assert con.execute("SELECT sentiment FROM mentions_scored WHERE mention_id = md5('trustpilot:a')").fetchall() \
        == [("neg",)], "the edited text is scored again and that score is current"
    assert key_counts(con) == (2, 2, 2, 2)


def test_a_score_stored_twice_keeps_one_current_row(con: duckdb.DuckDBPyConnection) -> None:
    upsert_mentions(con, table(row("a")))
    batch = scores(con, "m", "neg")
    store_scores(con, batch)
    store_scores(con, batch)
    assert key_counts(con) == (1, 1, 1, 1)
    assert con.execute("SELECT count(*) FROM sentiment_scores").fetchall() == [(1,)]


def test_migration_041_keeps_every_row_column_and_rule(tmp_path: Path) -> None:
    """A warehouse at migration 040 (keys indexed) upgraded: same rows and columns, NOT NULL
    columns and defaults kept, the keys no longer indexed."""
    path = tmp_path / "old.duckdb"
    with connect(path) as con:
        applied_versions(con)
        for m in available_migrations():
            if m.version < 41:
                con.execute(m.sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [m.version, m.name])
        for ext, day, provenance in (("a", 1, None), ("b", 2, "invited")):  # as the loader of that version wrote
            con.execute("""INSERT INTO mentions (mention_id, source, external_id, brand, published_at, text,
                                                 first_seen_at, last_seen_at, provenance)
                           VALUES (md5('trustpilot:' || $1), 'trustpilot', $1, 'Snelkoop',
                                   TIMESTAMPTZ '2026-11-01 12:00:00+00' + to_days($2), 'Prima', now(), now(), $3)""",
                        [ext, day, provenance])
        before = con.execute("SELECT * FROM mentions ORDER BY mention_id").fetchall()
        columns = [r[0] for r in con.execute("DESCRIBE mentions").fetchall()]
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'mentions' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchall() == [(1,)]
        migrate(con)
        kept = ", ".join(columns)  # later migrations add columns after id_hash
        assert con.execute(f"SELECT {kept} FROM mentions ORDER BY mention_id").fetchall() == before
        assert [r[0] for r in con.execute("DESCRIBE mentions").fetchall()][: len(columns) + 1] == [*columns, "id_hash"]
        assert con.execute("SELECT count(*) FROM mentions WHERE id_hash = md5_number_lower(mention_id)").fetchall() \
            == [(2,)]
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name IN ('mentions', 'current_scores') "
                           "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchall() == [(0,)]
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO mentions (mention_id, source, external_id, brand, published_at, first_seen_at, "
                        "last_seen_at) VALUES ('x', 's', 'x', 'B', now(), now(), now())")  # no text
        upsert_mentions(con, table(row("a"), row("c", day=3)))
        assert key_counts(con) == (3, 3, 3, 3), "the stored rows are found without an index"
        assert con.execute("SELECT DISTINCT kind FROM mentions").fetchall() == [("review",)]


def test_rows_written_past_the_loader_are_found_without_their_hash(con: duckdb.DuckDBPyConnection) -> None:
    upsert_mentions(con, table(row("a"), row("b")))
    con.execute("UPDATE mentions SET id_hash = NULL")  # as a hand-written INSERT leaves them
    result = upsert_mentions(con, table(row("a", text="Bewerkt."), row("b")))
    assert (result.new, result.updated) == (0, 2)
    assert key_counts(con)[:2] == (2, 2)


def test_two_ids_with_the_same_hash_stay_two_reviews(con: duckdb.DuckDBPyConnection) -> None:
    upsert_mentions(con, table(row("a")))
    con.execute("UPDATE mentions SET id_hash = md5_number_lower(md5('trustpilot:b'))")  # a collision, forced
    con.execute("UPDATE current_scores SET id_hash = md5_number_lower(md5('trustpilot:b'))")
    result = upsert_mentions(con, table(row("b", text="Een ander.")))
    assert (result.new, result.updated) == (1, 0)
    assert con.execute("SELECT external_id, text FROM mentions ORDER BY external_id").fetchall() == [
        ("a", "Bestelling a kwam netjes op tijd."), ("b", "Een ander.")]
    assert key_counts(con) == (2, 2, 2, 2)
