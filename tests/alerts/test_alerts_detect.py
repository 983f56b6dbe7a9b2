"""Detection in the warehouse: per brand and per (brand, source), over the last complete
day(s) and the last 24 hours, against a baseline that leaves earlier alert days out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from alerts.engine import evaluate, history_range
from alerts.episodes import Episode, EpisodeBook
from alerts.history import load_history
from alerts.pipeline import run_alerts
from klantstem.config import AlertConfig, parse_config
from tests.synthetic_history import HistorySpec, Injection, amsterdam, generate, write_history
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores

# BASE_DAY (warehouse_helpers) is 2026-11-01 12:00 UTC: day 29 is 2026-11-30.
RUN = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # the morning after day 29
CLASSIC = AlertConfig.model_validate(
    {"window_days": 3, "max_window_days": 3, "intraday_hours": 0, "negative_share": {"weekly_seasonality": False, "max_p_value": 0.01},
     "volume": {"enabled": False}, "rating_drop": {"enabled": False}}
)


def _history(path: Path, brand: str, daily: list[tuple[int, int]], source: str = "trustpilot") -> None:
    """``daily[d] = (negative, positive)`` mentions on day ``d``, through the real load path."""
    rows, labels = [], {}
    for day, (neg, pos) in enumerate(daily):
        for i in range(neg + pos):
            ext = f"{brand}-{source}-{day}-{i}"
            rows.append(row(ext, brand=brand, source=source, day=day))
            labels[ext] = "neg" if i < neg else "pos"
    with connect(path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))
        pending = pending_texts(con, "m")
        ext_of = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
        store_scores(
            con,
            pa.Table.from_pylist(
                [
                    {"mention_id": p.mention_id, "model_id": "m", "text_md5": p.text_md5,
                     "label": labels[ext_of[p.mention_id]], "score": 0.0, "p_neg": None,
                     "p_neu": None, "p_pos": None, "language": "nl"}
                    for p in pending
                ],
                schema=SCORE_SCHEMA,
            ),
        )


def _findings(path: Path, config: AlertConfig = CLASSIC, at: datetime = RUN, book: EpisodeBook | None = None):
    with connect(path, read_only=True) as con:
        history = load_history(con, *history_range(config, at, at))
    return evaluate(history, config, at, book or EpisodeBook()).findings


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb"


def test_a_clear_rise_in_negative_share_is_an_alert(db: Path) -> None:
    _history(db, "Snelkoop", [(1, 9)] * 27 + [(8, 4)] * 3)
    (finding,) = _findings(db).values()
    assert (finding.rule, finding.brand, finding.source) == ("negative_share", "Snelkoop", "all")
    assert (finding.negative, finding.volume) == (24, 36)
    assert finding.window.start == amsterdam(date(2026, 11, 28))
    assert finding.expected == pytest.approx((27 + 1) / (270 + 2)), "Laplace-smoothed baseline share"
    assert finding.p_value < 1e-6
    assert "67% negative (24 of 36 scored)" in finding.describe()


def test_a_steady_brand_is_not_an_alert(db: Path) -> None:
    _history(db, "Winkelwagen", [(3, 7)] * 30)
    assert _findings(db) == {}


def test_too_few_mentions_in_the_window_is_not_an_alert(db: Path) -> None:
    _history(db, "Bestelhuis", [(1, 9)] * 27 + [(3, 0)] * 3)  # 9 of 9 negative, but only 9
    assert _findings(db) == {}
    lower = CLASSIC.model_copy(update={"negative_share": CLASSIC.negative_share.model_copy(update={"min_volume": 9})})
    assert [f.brand for f in _findings(db, lower).values()] == ["Bestelhuis"]


def test_a_significant_but_tiny_rise_is_not_an_alert(db: Path) -> None:
    _history(db, "Snelkoop", [(10, 90)] * 27 + [(20, 80)] * 3)  # 10% -> 20%: below min_lift 15 points
    assert _findings(db) == {}
    lower = CLASSIC.model_copy(update={"negative_share": CLASSIC.negative_share.model_copy(update={"min_lift": 0.05})})
    assert len(_findings(db, lower)) == 1


def test_a_quiet_brand_is_judged_on_enough_days_rather_than_never(db: Path) -> None:
    _history(db, "Bestelhuis", [(1, 4)] * 27 + [(5, 1)] * 3)  # 5 mentions a day
    config = AlertConfig.model_validate({"intraday_hours": 0, "volume": {"enabled": False}})
    (finding,) = _findings(db, config).values()
    assert (finding.window.start, finding.window.end) == (amsterdam(date(2026, 11, 29)), amsterdam(date(2026, 12, 1)))
    assert (finding.negative, finding.volume) == (10, 12), "two days hold the 10 scored mentions the rule needs"
    assert _findings(db, config.model_copy(update={"max_window_days": 1})) == {}


def test_a_spike_on_one_source_is_an_alert_for_that_source(db: Path) -> None:
    _history(db, "Snelkoop", [(3, 27)] * 27 + [(12, 18)] * 3, source="trustpilot")
    _history(db, "Snelkoop", [(3, 27)] * 30, source="webshop-reviews")
    findings = _findings(db)
    assert ("negative_share", "Snelkoop", "trustpilot") in findings
    assert ("negative_share", "Snelkoop", "webshop-reviews") not in findings
    assert findings[("negative_share", "Snelkoop", "trustpilot")].observed == pytest.approx(36 / 90)


def test_the_morning_run_catches_a_spike_that_started_last_night(tmp_path: Path) -> None:
    """Intraday: the last 24 h up to the 06:00 run, on published_at. The spike began at 20:00,
    so yesterday as a calendar day barely moved; the rolling window sees it."""
    start = date(2026, 10, 1)
    night = amsterdam(start + timedelta(days=38), 20)
    spec = HistorySpec(first_day=start, days=40, brands=("Snelkoop",), sources=("trustpilot",), source_weights=(1.5,),
                       injections=(Injection("negative", "Snelkoop", night, 10, 0.9),))
    db = tmp_path / "wh.duckdb"
    with connect(db) as con:
        migrate(con)
        write_history(con, generate(spec))
    morning = amsterdam(start + timedelta(days=39), 6)
    config = AlertConfig()
    finding = _findings(db, config, morning)[("negative_share", "Snelkoop", "all")]
    assert finding.window.kind == "intraday"
    assert (finding.window.start, finding.window.end) == (morning - timedelta(hours=24), morning)
    assert _findings(db, config.model_copy(update={"intraday_hours": 0}), morning) == {}, "the calendar day alone is no alert"


def test_a_rating_drop_on_a_review_source_is_an_alert_even_when_texts_sound_fine(tmp_path: Path) -> None:
    start = date(2026, 10, 1)
    spec = HistorySpec(first_day=start, days=40, brands=("Snelkoop",), sources=("trustpilot",), source_weights=(1.5,),
                       injections=(Injection("rating", "Snelkoop", amsterdam(start + timedelta(days=38)), 24, 0.8),))
    db = tmp_path / "wh.duckdb"
    with connect(db) as con:
        migrate(con)
        write_history(con, generate(spec))
    findings = _findings(db, AlertConfig(), amsterdam(start + timedelta(days=39), 6))
    assert set(findings) == {("rating_drop", "Snelkoop", "all")}
    drop = findings[("rating_drop", "Snelkoop", "all")]
    assert drop.expected - drop.observed > 0.3 and drop.test == "welch-t"


def test_a_volume_spike_is_an_alert(tmp_path: Path) -> None:
    start = date(2026, 10, 1)
    spec = HistorySpec(first_day=start, days=40, brands=("Snelkoop",), sources=("trustpilot",),
                       injections=(Injection("volume", "Snelkoop", amsterdam(start + timedelta(days=38)), 24, 5.0),))
    db = tmp_path / "wh.duckdb"
    with connect(db) as con:
        migrate(con)
        write_history(con, generate(spec))
    findings = _findings(db, AlertConfig(), amsterdam(start + timedelta(days=39), 6))
    volume = findings[("volume", "Snelkoop", "all")]
    assert volume.observed / volume.expected > 3
    assert ("negative_share", "Snelkoop", "all") not in findings, "more mentions, same mood"


def test_earlier_alert_days_are_left_out_of_the_baseline(db: Path) -> None:
    # day 20 was an incident, alerted with the 3-day window 19..21; days 27..29 rise again
    daily = [(2, 18)] * 20 + [(18, 2)] + [(2, 18)] * 6 + [(9, 11)] * 3
    _history(db, "Snelkoop", daily)
    incident = Episode.open(next(iter(_findings(db, CLASSIC, RUN - timedelta(days=9)).values())), RUN - timedelta(days=9))
    incident.status, incident.resolved_at = "resolved", RUN - timedelta(days=8)
    finding = _findings(db, book=EpisodeBook([incident]))[("negative_share", "Snelkoop", "all")]
    assert finding.expected == pytest.approx((2 * 24 + 1) / (20 * 24 + 2)), "the alert's days do not count"
    assert finding.baseline_volume == 24 * 20
    assert finding.test == "binomial"
    # Left in, the incident would have raised the baseline and made ordinary days look so
    # noisy (overdispersed) that the new rise passes unnoticed.
    assert _findings(db) == {}


def test_run_alerts_records_each_alert_with_its_working(tmp_path: Path) -> None:
    start = date(2026, 10, 1)
    spec = HistorySpec(first_day=start, days=40, brands=("Snelkoop",),
                       injections=(Injection("negative", "Snelkoop", amsterdam(start + timedelta(days=38)), 30, 0.7),))
    config = parse_config('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', base=tmp_path)
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(spec))
    result = run_alerts(config, amsterdam(start + timedelta(days=39), 6), deliver=False)
    assert ("new", "negative_share", "all") in {(e.event, e.alert.rule, e.alert.source) for e in result.events}
    with connect(config.warehouse.path, read_only=True) as con:
        rows = con.execute(
            """SELECT rule, brand, source, status, window_kind IN ('daily', 'intraday'), window_start < window_end, observed > expected,
                      p_value < 1e-4, len(sample_mention_ids) > 0, list_contains(top_terms, 'storing')
               FROM alerts WHERE rule = 'negative_share' AND source = 'all'"""
        ).fetchall()
        samples = con.execute(
            """SELECT count(*) FROM alerts, unnest(sample_mention_ids) AS s(id)
               JOIN mentions_scored m ON m.mention_id = s.id
               WHERE alerts.rule = 'negative_share' AND alerts.source = 'all' AND m.sentiment = 'neg'"""
        ).fetchall()[0][0]
        assert con.execute("SELECT count(*) FROM alert_events").fetchall()[0][0] == len(result.events)
    assert rows == [("negative_share", "Snelkoop", "all", "open", True, True, True, True, True, True)]
    assert samples > 0, "sample mentions are real negative mentions"
