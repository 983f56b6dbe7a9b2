"""Alerts judge what customers do, not what the company's invitation campaigns do, and they
work for brands with a few reviews a week: backtests on synthetic histories with invitation
campaigns and known organic deteriorations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from alerts.backtest import BacktestResult, backtest_history, run_times
from klantstem.config import AlertConfig, SparseAlerts
from tests.synthetic_history import HistorySpec, InvitationCampaign, Injection, amsterdam, generate, write_history
from warehouse.connection import connect
from warehouse.migrate import migrate

START = date(2026, 1, 5)  # a Monday
SENTIMENT = ("negative_share", "rating_drop")


def day(n: int, hour: int = 0) -> datetime:
    return amsterdam(START + timedelta(days=n), hour)


def _backtest(tmp: Path, spec: HistorySpec, config: AlertConfig, first: int, last: int) -> BacktestResult:
    db = tmp / "wh.duckdb"
    if not db.exists():
        with connect(db) as con:
            migrate(con)
            write_history(con, generate(spec))
    return backtest_history(db, config, run_times(START + timedelta(days=first), START + timedelta(days=last)), None)


def _new(result: BacktestResult, rules: tuple[str, ...]) -> list:
    return [e for e in result.notified if e.event == "new" and e.alert.rule in rules]


# A busy brand (60 organic reviews a day, half of them negative) that invites 100 happy
# customers a day until day 90, then stops: the mixed negative share jumps from ~21% to 50%.
PAUSE = HistorySpec(first_day=START, days=130, brands=("Snelkoop",), sources=("trustpilot",), source_weights=(1.0,),
                    daily_volume=60, negative_share=0.5,
                    invitations=(InvitationCampaign("Snelkoop", day(0), day(90), 100),), seed=5)


@pytest.fixture(scope="module")
def pause_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pause")


def test_an_invitation_pause_alone_fires_no_sentiment_alert_on_the_organic_series(pause_db: Path) -> None:
    result = _backtest(pause_db, PAUSE, AlertConfig(), 35, 125)
    assert [e.describe() for e in _new(result, (*SENTIMENT, "volume"))] == []


def test_the_same_pause_on_the_mixed_series_looks_like_a_collapse(pause_db: Path) -> None:
    mixed = _backtest(pause_db, PAUSE, AlertConfig(population="all"), 35, 125)
    fired = _new(mixed, SENTIMENT)
    assert fired and all(day(90) < e.evaluated_at <= day(92) for e in fired), [e.describe() for e in fired]


def test_the_invitation_flow_stopping_is_its_own_alert_sent_once_then_the_new_normal(pause_db: Path) -> None:
    result = _backtest(pause_db, PAUSE, AlertConfig(), 35, 125)
    flow = [e for e in result.notified if e.alert.rule.startswith("invitations_")]
    assert [(e.event, e.alert.rule) for e in flow] == [("new", "invitations_stopped"), ("level_shift", "invitations_stopped")]
    assert day(90) < flow[0].evaluated_at <= day(97)
    assert "the invitation flow stopped" in flow[0].describe() and "organic figures are unaffected" in flow[0].describe()


def test_an_invitation_campaign_starting_is_reported(tmp_path: Path) -> None:
    spec = HistorySpec(first_day=START, days=100, brands=("Snelkoop",), sources=("trustpilot",), source_weights=(1.0,),
                       daily_volume=20, negative_share=0.3,
                       invitations=(InvitationCampaign("Snelkoop", day(70), day(100), 15),), seed=6)
    result = _backtest(tmp_path, spec, AlertConfig(), 35, 95)
    started = [e for e in result.notified if e.alert.rule == "invitations_started" and e.event == "new"]
    assert len(started) == 1 and day(70) < started[0].evaluated_at <= day(73)
    assert _new(result, (*SENTIMENT, "volume")) == [], "the organic series did not change"


# A small brand: ~0.4 organic reviews a day (about 3 a week), 30% of them negative, plus an
# invitation campaign of 4 a day for three weeks every five months. From day 500 its organic
# reviews turn 70% negative for ten weeks.
SMALL_CAMPAIGNS = tuple(InvitationCampaign("Kleinbank", day(d), day(d + 21), 4.0) for d in range(60, 3 * 365, 150))
DETERIORATION = Injection("negative", "Kleinbank", day(500), 24 * 70, 0.7)


def _small(injections: tuple[Injection, ...], seed: int) -> HistorySpec:
    return HistorySpec(first_day=START, days=3 * 365, brands=("Kleinbank",), sources=("trustpilot",),
                       source_weights=(1.0,), daily_volume=0.42, volume_cv=0.3, negative_share=0.3,
                       invitations=SMALL_CAMPAIGNS, injections=injections, seed=seed)


def test_a_small_brand_never_fills_a_daily_window_so_day_scale_rules_alone_stay_silent(tmp_path: Path) -> None:
    day_scale_only = AlertConfig(sparse=SparseAlerts(enabled=False))
    result = _backtest(tmp_path, _small((DETERIORATION,), seed=3), day_scale_only, 180, 3 * 365 - 1)
    assert _new(result, (*SENTIMENT, "volume")) == []


def test_a_small_brand_is_judged_on_its_review_stream_and_the_deterioration_is_found_in_weeks(tmp_path: Path) -> None:
    result = _backtest(tmp_path, _small((DETERIORATION,), seed=3), AlertConfig(), 180, 3 * 365 - 1)
    found = [e for e in _new(result, SENTIMENT) if DETERIORATION.start < e.evaluated_at <= DETERIORATION.end]
    assert found, "the deterioration is found while it lasts"
    first = min(found, key=lambda e: e.evaluated_at)
    assert first.evaluated_at - DETERIORATION.start <= timedelta(weeks=6)
    assert first.finding is not None and first.finding.test == "cusum"
    assert "judged on the review stream" in first.describe() and "reviews a week" in first.describe()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_small_brand_without_incidents_gets_fewer_than_one_false_alarm_a_year(tmp_path: Path, seed: int) -> None:
    result = _backtest(tmp_path, _small((), seed=seed), AlertConfig(), 180, 3 * 365 - 1)
    years = (3 * 365 - 180) / 365
    alarms = _new(result, (*SENTIMENT, "volume"))
    assert len(alarms) < years, [e.describe() for e in alarms]


def test_a_run_stores_and_messages_the_invitation_alert(tmp_path: Path) -> None:
    from alerts.pipeline import run_alerts
    from klantstem.config import parse_config

    config = parse_config('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', base=tmp_path)
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(PAUSE))
    result = run_alerts(config, day(96, 6), deliver=False)
    assert [(e.event, e.alert.rule) for e in result.notified] == [("new", "invitations_stopped")]
    with connect(config.warehouse.path, read_only=True) as con:
        stored = con.execute("SELECT rule, status, window_kind FROM alerts").fetchall()
        body = con.execute("SELECT title FROM alert_deliveries").fetchall()
    assert stored == [("invitations_stopped", "open", "daily")]
    assert body[0][0].startswith("Klantstem: Snelkoop: invitation flow stopped")


def test_the_run_summary_says_how_each_brand_is_judged_and_its_invited_share(tmp_path: Path) -> None:
    from flows.steps import brand_lines
    from klantstem.config import parse_config

    config = parse_config('[[brands]]\nname = "Snelkoop"\n[[brands]]\nname = "Kleinbank"\n'
                          '[warehouse]\npath = "wh.duckdb"\n', base=tmp_path)
    busy = HistorySpec(first_day=START, days=60, brands=("Snelkoop",), sources=("trustpilot",), source_weights=(1.0,),
                       daily_volume=20, invitations=(InvitationCampaign("Snelkoop", day(0), day(60), 20),), seed=8)
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(busy))
        write_history(con, generate(replace(_small((), seed=4), start_id=1_000_000)))
    lines = {line.brand: line for line in brand_lines(config, START + timedelta(days=59))}
    assert lines["Snelkoop"].judged == "daily"
    assert lines["Snelkoop"].invited_share is not None and 0.4 < lines["Snelkoop"].invited_share < 0.6
    assert lines["Kleinbank"].judged.startswith("on the review stream: ") and lines["Kleinbank"].judged.endswith(" a week")
