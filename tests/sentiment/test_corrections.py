"""Corrections: a person's label overrides the model's in every view, keeps who/when/why,
survives re-scoring and model changes, and can be withdrawn."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tests.warehouse_helpers import row, table
from warehouse import incremental
from warehouse.connection import connect
from warehouse.corrections import Correction, CorrectionError, read_corrections_csv, record
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    with connect(path) as con:
        migrate(con)
        upsert_mentions(con, table(row("a"), row("b"), row("c", day=1)))
        _score(con, "model-a", "pos")
    return path


def _score(con, model_id: str, label: str) -> None:
    pending = pending_texts(con, model_id)
    polarity = {"neg": -1.0, "neu": 0.0, "pos": 1.0}[label]
    store_scores(con, pa.Table.from_pylist(
        [{"mention_id": p.mention_id, "model_id": model_id, "text_md5": p.text_md5, "label": label,
          "score": 0.8 * polarity, "p_neg": 0.1, "p_neu": 0.1, "p_pos": 0.8, "language": "nl"} for p in pending],
        schema=SCORE_SCHEMA))


def _mention_id(con, external_id: str) -> str:
    return con.execute("SELECT mention_id FROM mentions WHERE external_id = ?", [external_id]).fetchall()[0][0]


def _day_shares(con) -> dict:
    rows = con.execute("SELECT day, scored, share_negative, mean_score FROM daily_sentiment "
                       "WHERE source = 'all' ORDER BY day").fetchall()
    return {str(d): (n, round(neg, 4), round(mean, 4)) for d, n, neg, mean in rows}


def _reference_shares(con) -> dict:
    """The same figures computed from the reference definition (views/010 and 020)."""
    rows = con.execute(
        "SELECT day, count(sentiment), avg(is_negative), avg(sentiment_score) FROM mentions_scored "
        "GROUP BY day ORDER BY day").fetchall()
    return {str(d): (n, round(neg, 4), round(mean, 4)) for d, n, neg, mean in rows}


def test_a_correction_overrides_the_model_label_in_mentions_scored_and_daily_sentiment(db: Path) -> None:
    with connect(db) as con:
        a = _mention_id(con, "a")
        assert record(con, [Correction(a, "neg", "anna", "sarcasm: 'echt klantvriendelijk!'")]) == 1
        row_a = con.execute("SELECT sentiment, model_sentiment, corrected, sentiment_score FROM mentions_scored "
                            "WHERE mention_id = ?", [a]).fetchall()[0]
        assert row_a == ("neg", "pos", True, -1.0)
        shares = _day_shares(con)
        assert shares["2026-11-01"] == (2, 0.5, round((-1.0 + 0.8) / 2, 4))
        assert incremental.sync_status(con).in_sync, "the maintained tables were updated, not bypassed"
        assert shares == _reference_shares(con)
        log = con.execute("SELECT corrected_by, reason, model_id, model_label FROM sentiment_correction_log").fetchall()
        assert log == [("anna", "sarcasm: 'echt klantvriendelijk!'", "model-a", "pos")]


def test_a_correction_survives_rescoring_by_a_new_model_and_a_rebuild(db: Path) -> None:
    with connect(db) as con:
        a = _mention_id(con, "a")
        record(con, [Correction(a, "neu", "anna")])
        _score(con, "model-b", "pos")  # a model change re-scores every mention
        assert con.execute("SELECT sentiment, model_id FROM mentions_scored WHERE mention_id = ?",
                           [a]).fetchall() == [("neu", "model-b")]
        incremental.rebuild(con)
        assert con.execute("SELECT sentiment FROM mentions_scored WHERE mention_id = ?", [a]).fetchall() == [("neu",)]
        assert _day_shares(con) == _reference_shares(con)


def test_the_latest_correction_is_in_force_and_a_withdrawal_restores_the_model_label(db: Path) -> None:
    with connect(db) as con:
        a = _mention_id(con, "a")
        record(con, [Correction(a, "neg", "anna"), Correction(a, "neu", "bram", "second opinion")])
        assert con.execute("SELECT label, corrected_by FROM sentiment_corrections").fetchall() == [("neu", "bram")]
        record(con, [Correction(a, None, "anna")])
        assert con.execute("SELECT count(*) FROM sentiment_corrections").fetchall() == [(0,)]
        assert con.execute("SELECT sentiment, corrected FROM mentions_scored WHERE mention_id = ?",
                           [a]).fetchall() == [("pos", False)]
        assert con.execute("SELECT count(*) FROM sentiment_correction_log").fetchall() == [(3,)], "history is kept"
        assert _day_shares(con) == _reference_shares(con)


def test_unknown_or_ambiguous_ids_store_nothing(db: Path) -> None:
    with connect(db) as con:
        a = _mention_id(con, "a")
        with pytest.raises(CorrectionError, match="'ffffffffffff' is not in the warehouse"):
            record(con, [Correction(a, "neg", "anna"), Correction("ffffffffffff", "neg", "anna")])
        with pytest.raises(CorrectionError, match="too short"):
            record(con, [Correction(a[:4], "neg", "anna")])
        assert con.execute("SELECT count(*) FROM sentiment_correction_log").fetchall() == [(0,)]
        assert record(con, [Correction(a[:10], "neg", "anna")]) == 1, "a unique prefix is enough"


def test_corrections_csv_reports_every_bad_row_with_its_line(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("mention_id,label,reason\nabcdef123456,negatief,sarcasme\nabcdef654321,pos,\n", encoding="utf-8")
    assert read_corrections_csv(good, "anna") == [Correction("abcdef123456", "neg", "anna", "sarcasme"),
                                                  Correction("abcdef654321", "pos", "anna", None)]
    bad = tmp_path / "bad.csv"
    bad.write_text("mention_id,label\nabcdef123456,maybe\n,neg\n", encoding="utf-8")
    with pytest.raises(CorrectionError) as info:
        read_corrections_csv(bad, "anna")
    assert "bad.csv:2: label: 'maybe' is not a label" in str(info.value)
    assert "bad.csv:3: mention_id is empty" in str(info.value)
    (tmp_path / "cols.csv").write_text("id,sentiment\n", encoding="utf-8")
    with pytest.raises(CorrectionError, match="missing column"):
        read_corrections_csv(tmp_path / "cols.csv", "anna")
