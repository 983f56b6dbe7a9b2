"""The demo's stories, as the alert rules see them (labels from the stars instead of the model,
so this runs in seconds): the invitation pause a week before today fires no sentiment alert on
the organic series, only the invitation rule; the delivery spike of the last three days does."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from alerts.backtest import backtest_history, run_times
from alerts.history import day_start
from klantstem.config import AlertConfig
from klantstem.demo.site import DemoSite, build_site
from warehouse.connection import connect
from warehouse.migrate import migrate

TODAY = date(2026, 11, 20)
SENTIMENT = ("negative_share", "rating_drop", "volume")


def _label(rating: int, best: int) -> str:
    normalised = (rating - 1) / (best - 1)
    return "neg" if normalised < 0.4 else "pos" if normalised >= 0.7 else "neu"


def _warehouse(site: DemoSite, path: Path) -> Path:
    rows = [{"source": r.channel, "external_id": r.id, "brand": r.brand, "published_at": r.published_at,
             "text": r.text, "rating": float(r.rating), "best": float(r.best_rating), "label": _label(r.rating, r.best_rating),
             "provenance": ("invited" if r.invited else "organic") if r.channel == "trustpilot" else None}
            for r in site.reviews]
    with connect(path) as con:
        migrate(con)
        con.register("demo_reviews", pa.Table.from_pylist(rows))
        con.execute("""
            INSERT INTO mentions (mention_id, source, external_id, brand, kind, published_at, text, rating, rating_min,
                                  rating_max, rating_normalised, first_seen_at, last_seen_at, provenance)
            SELECT md5(source || ':' || external_id), source, external_id, brand, 'review', published_at, text, rating, 1,
                   best, (rating - 1) / (best - 1), published_at, published_at, provenance
            FROM demo_reviews""")
        con.execute("""
            INSERT INTO sentiment_scores (mention_id, model_id, text_md5, label, score, language, scored_at)
            SELECT md5(source || ':' || external_id), 'stars', md5(text), label,
                   CASE label WHEN 'neg' THEN -0.8 WHEN 'pos' THEN 0.8 ELSE 0.0 END, 'nl', published_at
            FROM demo_reviews""")
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _warehouse(build_site(TODAY), tmp_path_factory.mktemp("demo") / "wh.duckdb")


def test_the_invitation_pause_alone_fires_no_sentiment_alert(demo_db: Path) -> None:
    # every morning from the end of the campaign (8 days ago) until the spike starts (2 days ago)
    result = backtest_history(demo_db, AlertConfig(), run_times(TODAY - timedelta(days=7), TODAY - timedelta(days=2)), None)
    assert [e.describe() for e in result.notified if e.alert.brand == "Snelkoop" and e.alert.rule in SENTIMENT] == []


def test_the_pause_is_named_once_and_the_delivery_spike_is_caught_on_the_organic_series(demo_db: Path) -> None:
    result = backtest_history(demo_db, AlertConfig(), run_times(TODAY - timedelta(days=7), TODAY), None)
    snelkoop = [e for e in result.notified if e.alert.brand == "Snelkoop" and e.event == "new"]
    assert [(e.alert.rule, e.alert.source) for e in snelkoop if e.alert.rule.startswith("invitations_")] == [
        ("invitations_stopped", "all")]
    spike = [e for e in snelkoop if e.alert.rule == "negative_share" and e.alert.source == "all"]
    assert spike and min(e.evaluated_at for e in spike) >= day_start(TODAY - timedelta(days=1))
