"""Alert fatigue: one alert per episode, messages only when it starts, gets worse, shifts
for good or ends - never a daily repeat of the same news."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from alerts.episodes import AlertEvent, EpisodeBook, advance
from alerts.findings import Evaluation, Finding, Key
from alerts.history import AMSTERDAM, day_start, local_day
from alerts.pipeline import run_alerts
from alerts.windows import Window
from klantstem.config import AlertConfig, parse_config
from tests.synthetic_history import HistorySpec, Injection, amsterdam, generate, write_history
from warehouse.connection import connect
from warehouse.migrate import migrate

CONFIG = AlertConfig()  # recover 12 h, cooldown 72 h, worse x1.5, level shift 7 days
T0 = datetime(2026, 11, 2, 6, tzinfo=AMSTERDAM)
SHARE: Key = ("negative_share", "Snelkoop", "all")
SOURCE: Key = ("negative_share", "Snelkoop", "trustpilot")
RATING: Key = ("rating_drop", "Snelkoop", "all")
VOLUME: Key = ("volume", "Snelkoop", "all")


def _finding(key: Key, at: datetime, severity: float) -> Finding:
    rule, brand, source = key
    last = local_day(at) - timedelta(days=1)
    window = Window("daily", day_start(last), day_start(last + timedelta(days=1)), 0, 0)
    return Finding(rule, brand, source, window, volume=100, observed=0.1 + severity, expected=0.1,
                   baseline_volume=2800, baseline_first_day=last - timedelta(days=28),
                   baseline_last_day=last - timedelta(days=1), p_value=1e-9, test="binomial",
                   severity=severity, negative=int(100 * (0.1 + severity)))


class Monitor:
    """Feeds one evaluation per daily run into ``advance`` and keeps what happened."""

    def __init__(self, config: AlertConfig = CONFIG) -> None:
        self.config = config
        self.book = EpisodeBook()
        self.events: list[AlertEvent] = []

    def run(self, day: float, fires: dict[Key, float] | None = None, measured: dict[Key, float] | None = None,
            shifts: tuple[Key, ...] = ()) -> list[AlertEvent]:
        at = T0 + timedelta(days=day)
        fires = fires or {}
        findings = {k: _finding(k, at, s) for k, s in fires.items()}
        effects = {**(measured or {}), **fires}
        evaluation = Evaluation(findings, effects, {k: _finding(k, at, 0.3) for k in shifts})
        events = advance(self.book, evaluation, self.config, at)
        self.events += events
        return events

    def messages(self) -> list[tuple[str, Key]]:
        return [(e.event, e.alert.key) for e in self.events if e.notify]


def test_consecutive_days_of_one_episode_are_one_alert_and_one_message() -> None:
    m = Monitor()
    for day in range(4):
        m.run(day, {SHARE: 0.3})
    assert [e.event for e in m.events] == ["new", "update", "update", "update"]
    assert m.messages() == [("new", SHARE)]
    (alert,) = m.book.episodes
    assert alert.evaluations == 4 and alert.status == "open"


def test_it_is_messaged_again_only_when_it_gets_clearly_worse() -> None:
    m = Monitor()
    for day, severity in enumerate([0.20, 0.25, 0.31, 0.40, 0.47]):
        m.run(day, {SHARE: severity})
    assert [e.event for e in m.events] == ["new", "update", "worse", "update", "worse"]
    assert len(m.book.episodes) == 1
    assert m.book.episodes[0].peak_severity == 0.47


def test_it_recovers_when_back_to_normal_not_merely_when_it_stops_being_significant() -> None:
    m = Monitor()
    m.run(0, {SHARE: 0.3})
    m.run(1, measured={SHARE: 0.10})  # not significant today, but still 10 points up: stays open
    assert m.book.latest[SHARE].status == "open"
    m.run(2, measured={SHARE: 0.02})
    assert m.messages() == [("new", SHARE), ("recovered", SHARE)]
    assert m.book.latest[SHARE].status == "resolved"


def test_a_day_without_data_is_no_all_clear() -> None:
    m = Monitor()
    m.run(0, {SHARE: 0.3})
    m.run(1)  # the crawl failed: nothing measured
    m.run(2)
    assert m.book.latest[SHARE].status == "open"
    m.run(3)  # 72 h without any evidence: stale, closed
    assert m.book.latest[SHARE].status == "resolved"


def test_a_relapse_within_the_cooldown_reopens_the_same_alert_silently() -> None:
    m = Monitor()
    m.run(0, {SHARE: 0.3})
    m.run(1, measured={SHARE: 0.0})  # recovered (messaged)
    m.run(2, {SHARE: 0.3})  # flaps back within 72 h: same alert, no message
    m.run(3, measured={SHARE: 0.0})  # recovered again: already said, not repeated
    assert [e.event for e in m.events] == ["new", "recovered", "reopened", "recovered"]
    assert m.messages() == [("new", SHARE), ("recovered", SHARE)]
    assert len(m.book.episodes) == 1
    m.run(8, {SHARE: 0.3})  # well after the cooldown: a new episode
    assert m.messages()[-1] == ("new", SHARE)
    assert len(m.book.episodes) == 2


def test_a_relapse_that_is_worse_is_messaged() -> None:
    m = Monitor()
    m.run(0, {SHARE: 0.2})
    m.run(1, measured={SHARE: 0.0})
    m.run(2, {SHARE: 0.45})
    m.run(3, measured={SHARE: 0.0})
    assert m.messages() == [("new", SHARE), ("recovered", SHARE), ("worse", SHARE), ("recovered", SHARE)]


def test_cooldowns_are_per_rule_brand_and_source() -> None:
    m = Monitor()
    m.run(0, {SHARE: 0.3})
    m.run(1, {SHARE: 0.3, SOURCE: 0.3, VOLUME: 4.0, ("negative_share", "Winkelwagen", "all"): 0.3})
    assert sorted(k for e, k in m.messages()) == sorted([SHARE, SOURCE, VOLUME, ("negative_share", "Winkelwagen", "all")])


def test_a_level_shift_is_reported_once_and_becomes_the_new_baseline() -> None:
    m = Monitor()
    m.run(0, {SHARE: 0.3, SOURCE: 0.3, RATING: 0.2, VOLUME: 4.0})
    m.run(1, {SHARE: 0.3}, measured={SOURCE: 0.2, RATING: 0.2, VOLUME: 1.0})
    events = m.run(7, {SHARE: 0.3}, measured={SOURCE: 0.2, RATING: 0.2}, shifts=(SHARE,))
    assert sorted((e.event, e.alert.key) for e in events) == sorted(
        [("level_shift", SHARE), ("level_shift", SOURCE), ("level_shift", RATING)]
    ), "the same change on its source and in its ratings is part of the shift; volume is not"
    assert m.book.latest[VOLUME].status == "resolved"
    shift_day = local_day(m.book.latest[SHARE].episode_start)
    assert m.book.baseline_floor(SHARE) == shift_day
    assert m.book.baseline_floor(("negative_share", "Snelkoop", "webshop-reviews")) == shift_day
    assert m.book.baseline_floor(VOLUME) is None
    assert m.book.excluded_days("Snelkoop", "all") == [m.book.latest[VOLUME].days()], "the new normal is baseline again"
    m.run(8, {SHARE: 0.3})  # would still be high against the old level...
    assert m.messages()[-1] == ("new", SHARE), "...but a finding after a shift is new news (the rules use the new floor)"


def test_live_runs_remember_their_alerts_between_runs(tmp_path: Path) -> None:
    start = date(2026, 10, 1)
    spec = HistorySpec(first_day=start, days=42, brands=("Snelkoop",), sources=("trustpilot",), source_weights=(1.5,),
                       injections=(Injection("negative", "Snelkoop", amsterdam(start + timedelta(days=38)), 48, 0.7),))
    config = parse_config('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', base=tmp_path)
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(spec))
    runs = [run_alerts(config, amsterdam(start + timedelta(days=d), 6), deliver=False) for d in (39, 40, 40, 41, 42, 43)]
    share = [[e.event for e in r.notified if e.alert.rule == "negative_share" and e.alert.source == "all"] for r in runs]
    assert share[:3] == [["new"], [], []], "day 1, day 2 and a re-run of day 2: one message"
    assert sum(share[3:], []) == ["recovered"]
    with connect(config.warehouse.path, read_only=True) as con:
        alerts = con.execute("SELECT rule, status, evaluations FROM alerts ORDER BY alert_id").fetchall()
        messages = con.execute("SELECT events FROM alert_deliveries ORDER BY delivery_id").fetchall()
    assert ("negative_share", "resolved", 3) in alerts, "day 1, day 2 and the same day re-run: one alert"
    assert messages[0][0][0].startswith("new:")
    assert all(e.startswith("recovered:") for (events,) in messages[1:] for e in events)
