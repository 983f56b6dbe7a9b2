"""Backtests on synthetic histories with known events: every injected spike is caught
(recall), ordinary weeks - with their quiet, angrier weekends - raise nothing (false
alarms), and a permanent level shift is reported once, then becomes the new normal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from alerts.backtest import BacktestResult, backtest_history, run_times
from klantstem.cli import main
from klantstem.config import AlertConfig
from tests.synthetic_history import HistorySpec, Injection, LevelShift, amsterdam, generate, write_history
from warehouse.connection import connect
from warehouse.migrate import migrate

START = date(2026, 6, 1)  # a Monday
WEEKLY = (1.3, 1.2, 1.1, 1.0, 1.0, 0.7, 0.6)  # busy Mondays, quiet Sundays


def day(n: int, hour: int = 0) -> datetime:
    return amsterdam(START + timedelta(days=n), hour)


@dataclass(frozen=True)
class Known:
    """An injected event and the rule that should report it."""

    rule: str
    brand: str
    start: datetime
    end: datetime


INJECTIONS = (
    Injection("negative", "Snelkoop", day(60, 10), 20, 0.6),  # a bad day
    Injection("volume", "Winkelwagen", day(80), 24, 4.0),  # a busy Thursday
    Injection("volume", "Snelkoop", day(90), 24, 3.5, source="trustpilot"),  # a busy *Sunday* on one source
    Injection("rating", "Snelkoop", day(95), 24, 0.8, source="trustpilot"),  # stars drop, texts do not
    Injection("negative", "Snelkoop", day(110, 20), 10, 0.9),  # starts in the evening: the morning run
)
SHIFT = LevelShift("Winkelwagen", day(100), 0.40)  # for good
RULE_OF = {"negative": "negative_share", "volume": "volume", "rating": "rating_drop"}
KNOWN = [Known(RULE_OF[i.kind], i.brand, i.start, i.end) for i in INJECTIONS]


def _spec(seed: int, injections: tuple[Injection, ...] = INJECTIONS, shifts: tuple[LevelShift, ...] = (SHIFT,)) -> HistorySpec:
    return HistorySpec(first_day=START, days=150, brands=("Snelkoop", "Winkelwagen"), weekly=WEEKLY,
                       negative_share=0.12, weekend_negative_share=0.18, injections=injections,
                       level_shifts=shifts, seed=seed)


def _backtest(tmp: Path, spec: HistorySpec, config: AlertConfig | None = None) -> BacktestResult:
    db = tmp / "wh.duckdb"
    with connect(db) as con:
        migrate(con)
        write_history(con, generate(spec))
    return backtest_history(db, config or AlertConfig(), run_times(START + timedelta(days=35), START + timedelta(days=149)), None)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> BacktestResult:
    return _backtest(tmp_path_factory.mktemp("backtest"), _spec(seed=11))


def _explained(brand: str, at: datetime) -> bool:
    """Inside a known event (or the days after it), or within the level shift's first weeks."""
    if brand == SHIFT.brand and SHIFT.start <= at <= SHIFT.start + timedelta(days=12):
        return True
    return any(k.brand == brand and k.start <= at <= k.end + timedelta(days=2) for k in KNOWN)


def test_every_injected_spike_is_caught_by_the_next_morning_run(history: BacktestResult) -> None:
    for known in KNOWN:
        caught = [
            e for e in history.notified
            if e.event in ("new", "worse") and e.alert.brand == known.brand and e.alert.rule == known.rule
            and known.start < e.evaluated_at <= known.end + timedelta(hours=30)
        ]
        assert caught, f"missed {known}"


def test_the_evening_spike_is_reported_at_six_the_next_morning_from_the_last_24_hours(history: BacktestResult) -> None:
    evening = KNOWN[-1]
    first = min(
        (e for e in history.notified if e.alert.brand == evening.brand and e.evaluated_at > evening.start),
        key=lambda e: e.evaluated_at,
    )
    assert first.evaluated_at == day(111, 6)
    assert first.finding is not None and first.finding.window.kind == "intraday"


def test_no_false_alarms_outside_the_known_events(history: BacktestResult) -> None:
    false_alarms = [e.describe() for e in history.notified if e.event == "new" and not _explained(e.alert.brand, e.evaluated_at)]
    assert len(false_alarms) <= 1, false_alarms


def test_a_permanent_level_shift_is_reported_once_then_is_the_new_normal(history: BacktestResult) -> None:
    sentiment = [
        e for e in history.notified
        if e.alert.brand == SHIFT.brand and e.alert.rule in ("negative_share", "rating_drop") and e.evaluated_at >= SHIFT.start
    ]
    shift_events = [e for e in sentiment if e.event == "level_shift"]
    assert shift_events, "the shift is named as such"
    declared = min(e.evaluated_at for e in shift_events)
    assert declared <= SHIFT.start + timedelta(days=12)
    brand_new = [e for e in sentiment if e.event == "new" and e.alert.source == "all" and e.alert.rule == "negative_share"]
    assert len(brand_new) == 1, "one alert for the change itself"
    assert [e.describe() for e in sentiment if e.evaluated_at > declared] == [], "then silence: 7 weeks of the new level"


def test_alert_fatigue_is_bounded(history: BacktestResult) -> None:
    # Typically one message when an event starts and one when it ends; a source joining in
    # later may add one. Not one a day for as long as it lasts (the shift lasts 7 weeks).
    assert history.messages <= 3 * (len(KNOWN) + 1)
    per_run = {}
    for e in history.notified:
        per_run.setdefault((e.evaluated_at, e.alert.brand), []).append(e)
    assert history.messages == len(per_run), "a brand gets at most one message per run"


@pytest.mark.parametrize("seed", [3, 4])
def test_ordinary_weeks_with_seasonality_raise_nothing(tmp_path: Path, seed: int) -> None:
    quiet = _backtest(tmp_path, _spec(seed, injections=(), shifts=()))
    assert [e.describe() for e in quiet.notified] == []


def test_backtest_command_prints_what_would_have_fired_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = _spec(seed=11, injections=INJECTIONS[:1], shifts=())
    with connect(tmp_path / "klantstem.duckdb") as con:
        migrate(con)
        write_history(con, generate(spec))
    config = tmp_path / "monitor.toml"
    config.write_text(
        '[[brands]]\nname = "Snelkoop"\n[[brands]]\nname = "Winkelwagen"\n[warehouse]\npath = "klantstem.duckdb"\n',
        encoding="utf-8",
    )
    before = (tmp_path / "klantstem.duckdb").read_bytes()
    code = main(["alerts", "backtest", "--config", str(config), "--from", "2026-07-25", "--to", "2026-08-05"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Backtest 2026-07-25..2026-08-05: 12 runs" in out
    assert "2026-08-01 06:00  NEW" in out and "Snelkoop/all negative share" in out
    assert "RECOVERED" in out
    assert "nothing written or sent" in out
    assert (tmp_path / "klantstem.duckdb").read_bytes() == before
    assert main(["alerts", "backtest", "--config", str(config), "--from", "2026-08-05", "--to", "2026-07-25"]) == 2
