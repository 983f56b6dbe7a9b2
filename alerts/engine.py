"""Rules -> findings -> alert episodes: the part of alerting that is the same live and in a backtest.

``evaluate`` runs every enabled rule for every scope (the brand over all its sources, and
each (brand, source) when a brand has several) over two windows - the last
``window_days`` complete Amsterdam days (widened up to ``max_window_days`` for a quiet scope
until it holds the rule's ``min_volume``) and the last ``intraday_hours`` up to the run -
against the ``baseline_days`` before each window. Left out of every baseline: days on
which the brand or source already had an alert (an incident must not raise its own
baseline, nor make ordinary days look noisy) and days before a level shift.

``advance`` turns findings into episode changes, which is where alert fatigue is handled:

* a rule that keeps firing for the same brand/source on consecutive runs stays **one**
  alert (``update`` events are recorded, not sent);
* it is sent again only when it gets **worse** (effect >= ``worse_factor`` x the last
  message's);
* it is **resolved** once its effect is back below half the rule's minimum effect (not
  merely no longer significant: hysteresis) for ``recover_after_hours``; a run without
  enough data to tell (a failed crawl) is no all-clear;
* if it fires again within ``cooldown_hours`` of resolving, the same alert is
  **re-opened** silently (flapping is one episode), unless it is worse;
* a recovery is messaged once per alert (a flapping alert says "back to normal" again
  only after it was messaged as worse);
* when an alert has been with us for ``level_shift_days`` and the whole period fires while
  neither half of it is back to normal, it is closed as a **level shift**: reported once,
  and the baseline restarts at its first day. A shift is one change of the brand/source:
  related alerts of the same family (sentiment: negative share and rating; volume) for
  that source, the brand as a whole and its other sources close with it.

Per-source tests are Bonferroni-corrected for the number of sources of the brand, so a
brand with five sources gets no more false alarms than one with one.

The rules judge the organic population by default (``AlertConfig.population``): reviews
the company invited are left out, so an invitation campaign starting or stopping cannot pass
for customers changing their minds. Two rules of their own, ``invitations_started`` and
``invitations_stopped``, say when that flow changes, so a reputation manager knows why the
totals moved.

**Quiet scopes.** A brand with a few reviews a week never fills a daily window. Where the
baseline holds too few of a rule's mentions for day-scale tests (``_sparse``), the negative
share and the mean rating are judged by a CUSUM over the last ``sparse.window_days`` of the
review stream against a long baseline (``sparse.baseline_days``), and volume on a
``sparse.volume_window_days`` window; the alert says so ("judged on the review stream:
2.6 reviews a week"). Calibration: docs/provenance.md and ``benchmarks/bench_alerts_sparse.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np

from alerts.history import (
    ALL,
    AMSTERDAM,
    INV,
    NEG,
    RATED,
    RSQ,
    RSUM,
    SCORED,
    History,
    N,
    day_start,
    epoch_hour,
    hour_start,
    local_day,
)
from alerts.stats import (
    TestResult,
    baseline_share,
    bernoulli_cusum_increments,
    count_fall_test,
    count_rise_test,
    cusum,
    expected_negative_share,
    expected_volume,
    gaussian_cusum_increments,
    negative_share_test,
    rating_drop_test,
    volume_test,
)
from klantstem.config import AlertConfig

RULES = ("negative_share", "volume", "rating_drop", "invitations_started", "invitations_stopped")
INVITATION_RULES = ("invitations_started", "invitations_stopped")
#: Not a statistical rule: a source whose latest crawl was degraded or failed (format drift,
#: errors; see alerts.health). It shares the episode handling: one alert per episode.
HEALTH_RULE = "source_health"
#: Not a statistical rule either: negative reviews of the own brand unanswered past the reply
#: SLA (alerts.unanswered; severity: how many).
UNANSWERED_RULE = "unanswered_negative"
FAMILY = {"negative_share": "sentiment", "rating_drop": "sentiment", "volume": "volume",
          "invitations_started": "invitations", "invitations_stopped": "invitations", HEALTH_RULE: "health",
          UNANSWERED_RULE: "replies"}
RULE_LABEL = {"negative_share": "negative share", "volume": "volume", "rating_drop": "rating drop",
              "invitations_started": "invitations started", "invitations_stopped": "invitations stopped",
              HEALTH_RULE: "source health", UNANSWERED_RULE: "unanswered negative reviews"}
#: Source-health severity: 1 degraded, 2 failed, so degraded -> failed is "worse" (worse_factor 1.5).
HEALTH_SEVERITY = {"degraded": 1.0, "failed": 2.0}
NOTIFY_EVENTS = ("new", "worse", "level_shift", "recovered")

Key = tuple[str, str, str]  # (rule, brand, source)


@dataclass(frozen=True)
class Window:
    kind: str  # daily | intraday | stream (a quiet scope's CUSUM run, see _sparse)
    start: datetime
    end: datetime  # exclusive
    first_day: int  # history day indices the window touches
    last_day: int


@dataclass(frozen=True)
class Finding:
    """One rule firing for one scope and window, with its working."""

    rule: str
    brand: str
    source: str
    window: Window
    volume: int  # mentions tested: scored (negative share), all (volume), rated (rating drop)
    observed: float  # share negative | mentions | mean normalised rating
    expected: float
    baseline_volume: int
    baseline_first_day: date
    baseline_last_day: date
    p_value: float
    test: str
    severity: float  # rise in share | ratio | fall in rating
    negative: int = 0  # negatives in the window (negative share)
    note: str = ""  # source health: why the crawl was degraded or failed
    judged: str | None = None  # how a quiet scope was judged, e.g. "on the review stream: 2.6 reviews a week"

    @property
    def key(self) -> Key:
        return (self.rule, self.brand, self.source)

    def describe(self) -> str:
        return f"{self.brand}/{self.source} {RULE_LABEL[self.rule]}: {effect_text(self)}"


def p_text(p_value: float) -> str:
    return "p<1e-15" if p_value < 1e-15 else f"p={p_value:.1e}"


def window_text(window: Window) -> str:
    start, end = window.start.astimezone(AMSTERDAM), window.end.astimezone(AMSTERDAM)
    if window.kind == "stream":
        last = (end - timedelta(seconds=1)).date()
        return f"since {start.date():%d %b %Y} (to {last:%d %b})"
    if window.kind == "daily":
        last = (end - timedelta(seconds=1)).date()
        first = start.date()
        return f"on {first:%a %d %b}" if first == last else f"{first:%d %b}-{last:%d %b}"
    return f"in the {round((end - start).total_seconds() / 3600)} h up to {end:%a %d %b %H:%M}"


def effect_text(f: Finding) -> str:
    """'45% negative (54 of 120) in the 24 h up to ..., usually 12% (+33 points)'."""
    when = window_text(f.window)
    if f.rule == HEALTH_RULE:
        return f"crawl {'failed' if f.severity >= HEALTH_SEVERITY['failed'] else 'degraded'} ({f.note})"
    if f.rule == UNANSWERED_RULE:
        return f"{f.volume} negative review(s) without a reply past the SLA ({f.note}); see `klantstem inbox`"
    how = f"; judged {f.judged}" if f.judged else ""
    if f.rule == "negative_share":
        return (
            f"{f.observed:.0%} negative ({f.negative} of {f.volume} scored) {when}, usually {f.expected:.0%} "
            f"(+{f.severity * 100:.0f} points, {p_text(f.p_value)}, {f.test}{how})"
        )
    if f.rule == "volume":
        return (
            f"{f.volume} mentions {when}, usually about {f.expected:.0f} "
            f"({f.severity:.1f}x, {p_text(f.p_value)}, {f.test}{how})"
        )
    if f.rule == "invitations_started":
        return (
            f"{f.volume} invited reviews {when}, usually about {f.expected:.0f}: an invitation flow started "
            f"(totals rise; the organic figures leave these reviews out; {p_text(f.p_value)}, {f.test})"
        )
    if f.rule == "invitations_stopped":
        return (
            f"{f.volume} invited reviews {when}, usually about {f.expected:.0f}: the invitation flow stopped "
            f"(totals fall and mixed averages turn more negative; the organic figures are unaffected; "
            f"{p_text(f.p_value)}, {f.test})"
        )
    return (
        f"mean rating {stars(f.observed)} on {f.volume} rated reviews {when}, usually {stars(f.expected)} "
        f"(-{f.severity:.2f} on the 0-1 scale, {p_text(f.p_value)}, {f.test}{how})"
    )


def stars(normalised: float) -> str:
    """A normalised rating as stars out of five, the scale most review sites use."""
    return f"{1 + 4 * normalised:.1f}/5"


@dataclass
class Episode:
    """One alert: a rule firing for one brand/source, from first trigger to recovery."""

    rule: str
    brand: str
    source: str
    status: str  # open | resolved | level_shift
    window_kind: str
    window_start: datetime
    window_end: datetime
    episode_start: datetime
    first_fired_at: datetime
    last_fired_at: datetime
    resolved_at: datetime | None
    volume: int
    observed: float
    expected: float
    baseline_volume: int
    p_value: float
    test: str
    severity: float
    peak_severity: float
    notified_severity: float
    evaluations: int
    sample_mention_ids: list[str] = field(default_factory=list)
    top_terms: list[str] = field(default_factory=list)
    recovery_notified: bool = False
    alert_id: int | None = None
    negative: int = 0
    note: str = ""
    changed: bool = True

    @property
    def key(self) -> Key:
        return (self.rule, self.brand, self.source)

    @classmethod
    def open(cls, f: Finding, at: datetime) -> Episode:
        return cls(
            rule=f.rule, brand=f.brand, source=f.source, status="open", window_kind=f.window.kind,
            window_start=f.window.start, window_end=f.window.end, episode_start=f.window.start,
            first_fired_at=at, last_fired_at=at, resolved_at=None, volume=f.volume, observed=f.observed,
            expected=f.expected, baseline_volume=f.baseline_volume, p_value=f.p_value, test=f.test,
            severity=f.severity, peak_severity=f.severity, notified_severity=f.severity, evaluations=1,
            negative=f.negative, note=f.note,
        )

    def apply(self, f: Finding, at: datetime) -> None:
        self.window_kind, self.window_start, self.window_end = f.window.kind, f.window.start, f.window.end
        self.volume, self.observed, self.expected = f.volume, f.observed, f.expected
        self.baseline_volume, self.p_value, self.test = f.baseline_volume, f.p_value, f.test
        self.severity, self.negative, self.note = f.severity, f.negative, f.note
        self.peak_severity = max(self.peak_severity, f.severity)
        self.episode_start = min(self.episode_start, f.window.start)
        self.last_fired_at = max(self.last_fired_at, at)
        self.evaluations += 1
        self.changed = True

    def days(self) -> tuple[date, date]:
        """Amsterdam days the episode covers (for leaving them out of baselines)."""
        end = self.window_end if self.status != "open" else max(self.window_end, self.last_fired_at)
        return local_day(self.episode_start), local_day(end - timedelta(microseconds=1))

    def snapshot(self) -> Episode:
        return replace(self, sample_mention_ids=list(self.sample_mention_ids), top_terms=list(self.top_terms))


@dataclass(frozen=True)
class AlertEvent:
    """What happened to an alert in one run. ``notify`` events become messages."""

    event: str  # new | worse | update | reopened | recovered | level_shift
    alert: Episode
    finding: Finding | None
    evaluated_at: datetime
    silent: bool = False  # recorded, not messaged (a repeated recovery)

    @property
    def notify(self) -> bool:
        return self.event in NOTIFY_EVENTS and not self.silent

    def describe(self) -> str:
        a = self.alert
        ref = f"#{a.alert_id} " if a.alert_id is not None else ""
        scope = f"{a.brand}/{a.source}"
        label = RULE_LABEL[a.rule]
        if self.event == "recovered":
            return f"RECOVERED {ref}{scope} {label}: back to normal (peak {peak_text(a)})"
        if self.event == "level_shift":
            what = effect_text(self.finding) if self.finding else "part of the same shift"
            return f"LEVEL SHIFT {ref}{scope} {label}: {what}; treated as the new normal"
        text = effect_text(self.finding) if self.finding else ""
        return f"{self.event.upper()} {ref}{scope} {label}: {text}"


def peak_text(a: Episode) -> str:
    if a.rule == HEALTH_RULE:
        return "crawl failed" if a.peak_severity >= HEALTH_SEVERITY["failed"] else "crawl degraded"
    if a.rule == UNANSWERED_RULE:
        return f"{a.peak_severity:.0f} unanswered negative reviews"
    if a.rule == "negative_share":
        return f"+{a.peak_severity * 100:.0f} points"
    if a.rule == "volume":
        return f"{a.peak_severity:.1f}x usual volume"
    if a.rule in INVITATION_RULES:
        return f"{a.peak_severity:.1f}x {'more' if a.rule == 'invitations_started' else 'fewer'} invited reviews"
    return f"-{a.peak_severity:.2f} rating"


class EpisodeBook:
    """Every known episode, with the latest per (rule, brand, source)."""

    def __init__(self, episodes: Iterable[Episode] = ()) -> None:
        self.episodes: list[Episode] = []
        self.latest: dict[Key, Episode] = {}
        for episode in sorted(episodes, key=lambda e: e.first_fired_at):
            self.add(episode)

    def add(self, episode: Episode) -> None:
        self.episodes.append(episode)
        self.latest[episode.key] = episode

    def excluded_days(self, brand: str, source: str) -> list[tuple[date, date]]:
        """Days with an alert for this brand and source, or for the brand as a whole
        (for ``source='all'``: any of its sources). Level shifts are the new normal: not excluded."""
        return [e.days() for e in self.episodes if e.status != "level_shift" and related(e.brand, e.source, brand, source)]

    def baseline_floor(self, key: Key) -> date | None:
        """First day of the latest level shift of this rule's family for this brand/source.

        An invitation flow changes on one day and its window spans a week, so its episode began
        with windows that still held the old flow: its new level starts with the window that
        made it a level shift, all of which was at the new level."""
        rule, brand, source = key
        days = [
            local_day(e.window_start if FAMILY[e.rule] == "invitations" else e.episode_start)
            for e in self.episodes
            if e.status == "level_shift" and FAMILY[e.rule] == FAMILY[rule] and related(e.brand, e.source, brand, source)
        ]
        return max(days) if days else None


def related(brand_a: str, source_a: str, brand_b: str, source_b: str) -> bool:
    """Same brand, and the same source or one of them is the brand as a whole."""
    return brand_a == brand_b and (source_a == source_b or ALL in (source_a, source_b))


# ----------------------------------------------------------------------------- evaluation


def daily_window(history: History, at: datetime, days: int) -> Window:
    """The last ``days`` complete Amsterdam days before ``at``."""
    last = local_day(at) - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    return Window("daily", day_start(first), day_start(last + timedelta(days=1)), history.day_index(first), history.day_index(last))


def windows(history: History, config: AlertConfig, at: datetime) -> list[Window]:
    """The daily window (last complete days before ``at``) and the intraday one (hours up to ``at``)."""
    result = [daily_window(history, at, config.window_days)]
    if config.intraday_hours:
        end_hour = epoch_hour(at)
        start = hour_start(end_hour - config.intraday_hours)
        end = hour_start(end_hour)
        result.append(
            Window("intraday", start, end, history.day_index(local_day(start)), history.day_index(local_day(end - timedelta(microseconds=1))))
        )
    return result


@dataclass(frozen=True)
class Evaluation:
    findings: dict[Key, Finding]  # strongest firing window per key
    measured: dict[Key, float]  # largest effect over the windows with enough volume to judge
    shifts: dict[Key, Finding] = field(default_factory=dict)  # sustained change over level_shift_days


#: An open alert is back to normal when its effect is below this fraction of the rule's
#: minimum effect (hysteresis: a level hovering at the threshold does not flap).
RECOVERY_FRACTION = 0.5


def normal_below(rule: str, config: AlertConfig) -> float:
    """Effect under which an open alert of ``rule`` counts as back to normal."""
    if rule == "negative_share":
        return config.negative_share.min_lift * RECOVERY_FRACTION
    if rule == "volume":
        return 1 + (config.volume.min_ratio - 1) * RECOVERY_FRACTION
    if rule in (HEALTH_RULE, UNANSWERED_RULE):
        return RECOVERY_FRACTION  # the latest crawl is ok / nothing overdue (severity 0)
    if rule in INVITATION_RULES:
        return 1 + (config.invitations.min_ratio - 1) * RECOVERY_FRACTION
    return config.rating_drop.min_drop * RECOVERY_FRACTION


def _baseline_days(
    history: History, scope: int, window: Window, config: AlertConfig, excluded: Sequence[tuple[date, date]], floor: date | None,
    length: int | None = None,
) -> np.ndarray:
    first = window.first_day - (length or config.baseline_days)
    first = max(first, int(history.first_mention_day[scope]), 0)
    if floor is not None:
        first = max(first, history.day_index(floor))
    days = np.arange(first, window.first_day)
    if len(days) and excluded:
        keep = np.ones(len(days), dtype=bool)
        for lo, hi in excluded:
            keep &= ~((days >= history.day_index(lo)) & (days <= history.day_index(hi)))
        days = days[keep]
    return days


def _weekday_weights(history: History, w: Window) -> np.ndarray:
    if w.kind == "daily":
        weights = np.zeros(7)
        for d in range(w.first_day, w.last_day + 1):
            weights[(history.first_day + timedelta(days=d)).weekday()] += 1
        return weights
    return history.hour_weekday_weights(epoch_hour(w.start), epoch_hour(w.end))


def evaluate(history: History, config: AlertConfig, at: datetime, book: EpisodeBook, brands: Iterable[str] | None = None) -> Evaluation:
    """Every enabled rule for every scope and window at time ``at``."""
    wins = [(w, _weekday_weights(history, w)) for w in windows(history, config, at)]
    longest = max(config.max_window_days, config.window_days)
    wider = [(w, _weekday_weights(history, w)) for w in
             (daily_window(history, at, d) for d in range(config.window_days + 1, longest + 1))]
    invitation_window = daily_window(history, at, config.invitations.window_days)
    invitation_wins = [(invitation_window, _weekday_weights(history, invitation_window))]
    findings: dict[Key, Finding] = {}
    measured: dict[Key, float] = {}
    shifts: dict[Key, Finding] = {}
    periods = _shift_periods(history, config, at)
    wanted = set(brands) if brands is not None else None
    for brand in history.brands():
        if wanted is not None and brand not in wanted:
            continue
        sources = history.sources(brand)
        scopes = [ALL] + (sources if config.per_source and len(sources) > 1 else [])
        for source in scopes:
            s = history.index[(brand, source)]
            excluded = book.excluded_days(brand, source)
            tests = 1 if source == ALL else len(sources)
            for rule in RULES:
                if not _rule_config(config, rule).enabled or (rule in INVITATION_RULES and source != ALL):
                    continue  # an invitation flow is the company's doing: one alert per brand
                key = (rule, brand, source)
                floor = book.baseline_floor(key)
                if _sparse(history, s, rule, at, config):
                    effect, finding = _judge_sparse(history, s, rule, at, config, excluded, floor, tests)
                    if effect is not None:
                        measured[key] = effect
                    if finding is not None:
                        findings[key] = replace(finding, brand=brand, source=source)
                        episode = book.latest.get(key)
                        if (episode is not None and episode.status == "open" and effect is not None
                                and effect >= normal_below(rule, config)
                                and at - episode.first_fired_at >= timedelta(days=config.sparse.level_shift_days)):
                            shifts[key] = findings[key]
                    continue
                for w, weights in (invitation_wins if rule in INVITATION_RULES else wins):
                    if w.kind == "daily" and rule in _TESTED:
                        w, weights = _widen(history, s, rule, (w, weights), wider, config)
                    base = _baseline_days(history, s, w, config, excluded, floor)
                    effect, finding = _RULE_FUNCS[rule](history, s, w, base, config, weights, tests)
                    if effect is not None:
                        measured[key] = max(measured.get(key, -math.inf), effect)
                    if finding is not None and (key not in findings or finding.severity >= findings[key].severity):
                        findings[key] = replace(finding, brand=brand, source=source)
                if periods and _shift_candidate(book.latest.get(key), config, at):
                    shift = _sustained(history, s, rule, periods, config, excluded, floor, tests)
                    if shift is not None:
                        shifts[key] = replace(shift, brand=brand, source=source)
    return Evaluation(findings, measured, shifts)


def _rule_config(config: AlertConfig, rule: str):  # noqa: ANN202 - one of the rule settings models
    return config.invitations if rule in INVITATION_RULES else getattr(config, rule)


# What each share/mean rule tests, for widening a quiet scope's daily window. (The volume
# rule tests the count itself: choosing its window by that count would bias it.)
_TESTED = {"negative_share": SCORED, "rating_drop": RATED}


def _widen(history: History, s: int, rule: str, first: tuple[Window, np.ndarray], wider: list[tuple[Window, np.ndarray]],
           config: AlertConfig) -> tuple[Window, np.ndarray]:
    """The shortest daily window (window_days .. max_window_days) with the rule's minimum
    volume: a brand with five reviews a day is judged on its last few days, not never.
    The choice depends on how many mentions there are, not on what they say, so the test
    given that volume stays exact."""
    need = getattr(config, rule).min_volume
    for w, weights in (first, *wider):
        if history.days_sum(s, w.first_day, w.last_day)[_TESTED[rule]] >= need:
            return w, weights
    return first


def _shift_periods(history: History, config: AlertConfig, at: datetime) -> list[tuple[Window, np.ndarray]] | None:
    """The last ``level_shift_days`` complete days, whole and as two halves."""
    if not config.level_shift_days:
        return None
    days = max(config.level_shift_days, 2)
    last = history.day_index(local_day(at) - timedelta(days=1))
    first, middle = last - days + 1, last - days + days // 2
    result = []
    for lo, hi in ((first, last), (first, middle), (middle + 1, last)):
        w = Window("daily", day_start(history.day_of(lo)), day_start(history.day_of(hi + 1)), lo, hi)
        result.append((w, _weekday_weights(history, w)))
    return result


def _shift_candidate(episode: Episode | None, config: AlertConfig, at: datetime) -> bool:
    """A recent alert, first fired at least ``level_shift_days`` ago, that may be a new normal."""
    if episode is None or episode.status == "level_shift":
        return False
    if at - episode.first_fired_at < timedelta(days=config.level_shift_days):
        return False
    return episode.status == "open" or (
        episode.resolved_at is not None and at - episode.resolved_at <= timedelta(hours=config.cooldown_hours)
    )


def _sustained(history: History, s: int, rule: str, periods: list[tuple[Window, np.ndarray]], config: AlertConfig,
               excluded: Sequence[tuple[date, date]], floor: date | None, tests: int) -> Finding | None:
    """The rule fires on the whole period, and neither half of it is back to normal:
    a sustained change, not an incident that has passed."""
    (whole, weights), *halves = periods
    base = _baseline_days(history, s, whole, config, excluded, floor)
    _, finding = _RULE_FUNCS[rule](history, s, whole, base, config, weights, tests)
    if finding is None:
        return None
    for half, half_weights in halves:
        effect, _ = _RULE_FUNCS[rule](history, s, half, base, config, half_weights, tests)
        if effect is None or effect < normal_below(rule, config):
            return None
    return finding


def _window_sum(history: History, s: int, w: Window) -> np.ndarray:
    if w.kind == "daily":
        return history.days_sum(s, w.first_day, w.last_day)
    return history.hours_sum(s, epoch_hour(w.start), epoch_hour(w.end))


def _finding(rule: str, w: Window, history: History, base: np.ndarray, volume: float, observed: float,
             baseline_volume: float, res: TestResult, severity: float, negative: int = 0) -> Finding:
    return Finding(
        rule=rule, brand="", source="", window=w, volume=int(volume), observed=float(observed),
        expected=float(res.expected), baseline_volume=int(baseline_volume),
        baseline_first_day=history.day_of(base[0]), baseline_last_day=history.day_of(base[-1]),
        p_value=float(res.p_value), test=res.test, severity=float(severity), negative=negative,
    )


# Each rule: (effect or None when there is too little volume to judge, finding or None).
RuleResult = tuple[float | None, Finding | None]


def _negative_share(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig,
                    weights: np.ndarray, tests: int = 1) -> RuleResult:
    rule = config.negative_share
    b = history.daily[s, base]
    b_n, b_k = b[:, SCORED], b[:, NEG]
    win = _window_sum(history, s, w)
    n, k = int(win[SCORED]), int(win[NEG])
    if b_n.sum() < config.min_baseline_volume or n < rule.min_volume:
        return None, None
    seasonal = rule.weekly_seasonality and len(base) >= 14
    weekdays, weights = (history.weekday[base], weights) if seasonal else (None, None)
    share = k / n
    expected, _, _ = expected_negative_share(b_k, b_n, weekdays, weights)
    lift = share - expected
    if lift < rule.min_lift:
        return lift, None
    res = negative_share_test(k, n, b_k, b_n, rule.overdispersion, weekdays, weights)
    if res.p_value > rule.max_p_value / tests:
        return lift, None
    return lift, _finding("negative_share", w, history, base, n, share, b_n.sum(), res, lift, k)


def _volume(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig,
            weights: np.ndarray, tests: int = 1) -> RuleResult:
    rule = config.volume
    counts = history.daily[s, base, N]
    if counts.sum() < config.min_baseline_volume or len(base) < 7:
        return None, None
    observed = int(_window_sum(history, s, w)[N])
    expected, _ = expected_volume(counts, history.weekday[base], weights, rule.weekly_seasonality)
    ratio = observed / expected
    if observed < rule.min_volume or ratio < rule.min_ratio:
        return ratio, None
    res = volume_test(observed, counts, history.weekday[base], weights, rule.weekly_seasonality)
    if res.p_value > rule.max_p_value / tests:
        return ratio, None
    return ratio, _finding("volume", w, history, base, observed, observed, counts.sum(), res, ratio)


def _rating_drop(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig,
                 _weights: np.ndarray, tests: int = 1) -> RuleResult:
    rule = config.rating_drop
    b = history.daily[s, base].sum(axis=0)
    b_n = b[RATED]
    win = _window_sum(history, s, w)
    n = win[RATED]
    if b_n < config.min_baseline_volume or n < rule.min_volume:
        return None, None
    mean, b_mean = win[RSUM] / n, b[RSUM] / b_n
    drop = b_mean - mean
    if drop < rule.min_drop:
        return drop, None
    var = max(win[RSQ] - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
    b_var = max(b[RSQ] - b_n * b_mean * b_mean, 0.0) / (b_n - 1)
    res = rating_drop_test(int(n), mean, var, int(b_n), b_mean, b_var)
    if math.isnan(res.p_value) or res.p_value > rule.max_p_value / tests:
        return drop, None
    return drop, _finding("rating_drop", w, history, base, n, mean, b_n, res, drop)


def _invitations(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, started: bool,
                 tests: int) -> RuleResult:
    """The invited reviews' count in the window against the baseline's rate, upwards or downwards."""
    rule = config.invitations
    if len(base) < 7:
        return None, None
    days = w.last_day - w.first_day + 1
    rate = float(history.daily[s, base, INV].sum()) / len(base)
    observed = int(_window_sum(history, s, w)[INV])
    expected = rate * days
    if started:
        ratio = (observed + 0.5) / (expected + 0.5)
        if observed < rule.min_volume or ratio < rule.min_ratio:
            return ratio, None
        res = count_rise_test(observed, max(expected, 0.5 * days / len(base)))
    else:
        ratio = (expected + 0.5) / (observed + 0.5)
        if expected < rule.min_volume or ratio < rule.min_ratio:
            return ratio, None
        res = count_fall_test(observed, expected)
    if res.p_value > rule.max_p_value / tests:
        return ratio, None
    name = "invitations_started" if started else "invitations_stopped"
    finding = _finding(name, w, history, base, observed, observed, history.daily[s, base, INV].sum(), res, ratio)
    return ratio, replace(finding, expected=expected)


def _invitations_started(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig,
                         _weights: np.ndarray, tests: int = 1) -> RuleResult:
    return _invitations(history, s, w, base, config, True, tests)


def _invitations_stopped(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig,
                         _weights: np.ndarray, tests: int = 1) -> RuleResult:
    return _invitations(history, s, w, base, config, False, tests)


_RULE_FUNCS = {"negative_share": _negative_share, "volume": _volume, "rating_drop": _rating_drop,
               "invitations_started": _invitations_started, "invitations_stopped": _invitations_stopped}


# ----------------------------------------------------------------------------- quiet scopes

#: What the day-scale rules test; a scope with too little of it in its baseline is sparse.
_SPARSE_METRIC = {"negative_share": SCORED, "rating_drop": RATED, "volume": N}


def sparse_limit(rule: str, config: AlertConfig) -> float:
    """Mentions of the rule's kind the last ``baseline_days`` need for day-scale tests:
    ``min_baseline_volume``, and the rule's ``min_volume`` per ``max_window_days``."""
    per_window = _rule_config(config, rule).min_volume * config.baseline_days / max(config.max_window_days, config.window_days)
    return max(config.min_baseline_volume, per_window)


def judgement(scored: float, config: AlertConfig) -> str:
    """How the negative-share rule judges a scope with ``scored`` mentions of the judged
    population in its last ``baseline_days``, in words for the run summary."""
    if config.sparse.enabled and scored < sparse_limit("negative_share", config):
        return f"on the review stream: {7 * scored / config.baseline_days:.1f} a week"
    return "daily"


def _sparse(history: History, s: int, rule: str, at: datetime, config: AlertConfig) -> bool:
    """Too few of the rule's mentions in the last ``baseline_days`` for day-scale tests (``sparse_limit``)."""
    if not config.sparse.enabled or rule not in _SPARSE_METRIC:
        return False
    last = history.day_index(local_day(at) - timedelta(days=1))
    held = history.days_sum(s, last - config.baseline_days + 1, last)[_SPARSE_METRIC[rule]]
    return bool(held < sparse_limit(rule, config))


def _judge_sparse(history: History, s: int, rule: str, at: datetime, config: AlertConfig,
                  excluded: Sequence[tuple[date, date]], floor: date | None, tests: int) -> RuleResult:
    """A quiet scope's rule: CUSUM over the review stream (share, rating), or a long window (volume).

    The effect returned (what recovery and level shifts look at) is the last
    ``volume_window_days``' rise in share or fall in rating against the baseline: a CUSUM
    stays high long after an incident ended, the recent reviews say whether it still goes on."""
    sparse = config.sparse
    if rule == "volume":
        w = daily_window(history, at, sparse.volume_window_days)
        base = _baseline_days(history, s, w, config, excluded, floor, sparse.baseline_days)
        effect, finding = _volume(history, s, w, base, config, _weekday_weights(history, w), tests)
        weeks = sparse.volume_window_days / 7
        return effect, (replace(finding, judged=f"over {weeks:g} weeks against the last {sparse.baseline_days} days")
                        if finding is not None else None)
    span = daily_window(history, at, sparse.window_days)
    base = _baseline_days(history, s, span, config, excluded, floor, sparse.baseline_days)
    metric = _TESTED[rule]
    b = history.daily[s, base].sum(axis=0)
    if b[metric] < sparse.min_baseline_volume:
        return None, None
    days = np.arange(max(span.first_day, 0), span.last_day + 1)
    if floor is not None:
        days = days[days >= history.day_index(floor)]
    if not len(days):
        return None, None
    d = history.daily[s, days]
    if rule == "negative_share":
        p0 = baseline_share(b[NEG], b[SCORED])
        p1 = min(p0 + sparse.negative_lift, 0.99)
        run = cusum(bernoulli_cusum_increments(d[:, NEG], d[:, SCORED], p0, p1))
    else:
        mean0 = b[RSUM] / b[RATED]
        var0 = max((b[RSQ] - b[RATED] * mean0 * mean0) / max(b[RATED] - 1, 1), 0.01)
        run = cusum(gaussian_cusum_increments(d[:, RATED], d[:, RSUM], mean0, var0, sparse.rating_drop))
    recent = history.days_sum(s, span.last_day - sparse.volume_window_days + 1, span.last_day)
    if rule == "negative_share":
        effect = recent[NEG] / recent[SCORED] - p0 if recent[SCORED] else None
    else:
        effect = mean0 - recent[RSUM] / recent[RATED] if recent[RATED] else None
    if run.statistic <= 0:
        return effect, None
    # more scopes of one brand, more chances: log(tests) on h divides each scope's false-alarm
    # rate by about ``tests`` (the run length to a false alarm grows about exponentially in h)
    limit = sparse.threshold + math.log(tests)
    first, last = int(days[min(run.start, len(days) - 1)]), int(days[-1])
    w = Window("stream", day_start(history.day_of(first)), day_start(history.day_of(last + 1)), first, last)
    win = history.days_sum(s, first, last)
    per_week = 7 * float(d[:, metric].sum()) / len(days)
    judged = f"on the review stream (CUSUM over {sparse.window_days} days): {per_week:.1f} reviews a week"
    if rule == "negative_share":
        n, k = int(win[SCORED]), int(win[NEG])
        lift = k / n - p0
        if run.statistic < limit or lift < config.negative_share.min_lift:
            return effect, None
        res = negative_share_test(k, n, np.array([b[NEG]]), np.array([b[SCORED]]), "binomial")
        finding = _finding("negative_share", w, history, base, n, k / n, b[SCORED], res, lift, k)
    else:
        n = int(win[RATED])
        mean = win[RSUM] / n
        drop = mean0 - mean
        if run.statistic < limit or drop < config.rating_drop.min_drop:
            return effect, None
        var = max(win[RSQ] - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
        res = rating_drop_test(n, mean, var, int(b[RATED]), mean0, var0)
        finding = _finding("rating_drop", w, history, base, n, mean, b[RATED], res, drop)
    return effect, replace(finding, test="cusum", judged=judged)


# ----------------------------------------------------------------------------- episodes


def _worse(episode: Episode, finding: Finding, config: AlertConfig) -> bool:
    """Worth a new message: the effect grew by ``worse_factor``. Not for an invitation flow: it
    started or stopped, and fewer of the last invitations in the window is not news."""
    return episode.rule not in INVITATION_RULES and finding.severity >= episode.notified_severity * config.worse_factor


def advance(book: EpisodeBook, evaluation: Evaluation, config: AlertConfig, at: datetime) -> list[AlertEvent]:
    """Apply one run's findings to the episodes; returns what happened."""
    events: list[AlertEvent] = []
    shifted: list[Episode] = []
    hours = lambda h: timedelta(hours=h)  # noqa: E731
    keys = sorted(set(evaluation.findings) | set(evaluation.shifts) | {k for k, e in book.latest.items() if e.status == "open"})
    for key in keys:
        finding = evaluation.findings.get(key)
        episode = book.latest.get(key)
        if key in evaluation.shifts and episode is not None and episode.status != "level_shift":
            # elevated for level_shift_days, in both halves of that period: the new normal
            episode.status, episode.resolved_at, episode.changed = "level_shift", at, True
            if finding is not None:
                episode.apply(finding, at)
            events.append(AlertEvent("level_shift", episode.snapshot(), evaluation.shifts[key], at))
            shifted.append(episode)
        elif finding is not None:
            if episode is not None and episode.status == "open":
                episode.apply(finding, at)
                if _worse(episode, finding, config):
                    episode.notified_severity, episode.recovery_notified = finding.severity, False
                    events.append(AlertEvent("worse", episode.snapshot(), finding, at))
                else:
                    events.append(AlertEvent("update", episode.snapshot(), finding, at))
            elif (
                episode is not None
                and episode.status == "resolved"
                and episode.resolved_at is not None
                and at - episode.resolved_at <= hours(config.cooldown_hours)
            ):
                episode.status, episode.resolved_at = "open", None
                episode.apply(finding, at)
                if _worse(episode, finding, config):
                    episode.notified_severity, episode.recovery_notified = finding.severity, False
                    events.append(AlertEvent("worse", episode.snapshot(), finding, at))
                else:
                    events.append(AlertEvent("reopened", episode.snapshot(), finding, at))
            else:
                new = Episode.open(finding, at)
                book.add(new)
                events.append(AlertEvent("new", new.snapshot(), finding, at))
        elif episode is not None and episode.status == "open":
            effect = evaluation.measured.get(key)
            quiet = at - episode.last_fired_at
            normal = effect is not None and effect < normal_below(episode.rule, config)
            stale = effect is None and quiet >= hours(max(config.cooldown_hours, 3 * config.recover_after_hours))
            if (normal and quiet >= hours(config.recover_after_hours)) or stale:
                silent = episode.recovery_notified
                episode.status, episode.resolved_at, episode.changed = "resolved", at, True
                episode.recovery_notified = True
                events.append(AlertEvent("recovered", episode.snapshot(), None, at, silent=silent))
    # A level shift is one change of the brand/source: related alerts of the same family are
    # part of it (a brand-wide shift shows on its sources and in its ratings too). Open ones
    # close with it; resolved ones from the same days (early, intermittent symptoms) are
    # relabelled, so that their days count as the new normal in baselines.
    for shift in shifted:
        since = local_day(shift.episode_start) - timedelta(days=1)
        for other in book.episodes:
            if (
                other is shift
                or other.status == "level_shift"
                or FAMILY[other.rule] != FAMILY[shift.rule]
                or not related(other.brand, other.source, shift.brand, shift.source)
            ):
                continue
            if other.status == "open":
                other.status, other.resolved_at, other.changed = "level_shift", at, True
                events = [e for e in events if e.alert.key != other.key]
                events.append(AlertEvent("level_shift", other.snapshot(), evaluation.findings.get(other.key), at))
            elif local_day(other.episode_start) >= since:
                other.status, other.changed = "level_shift", True
    return events


def lookback_days(config: AlertConfig) -> int:
    """Days before a run that its windows and their baselines can reach."""
    longest = max(config.window_days, config.max_window_days, config.level_shift_days, config.intraday_hours // 24 + 1,
                  config.invitations.window_days)
    days = config.baseline_days + longest + 2
    if config.sparse.enabled:
        days = max(days, config.sparse.baseline_days + max(config.sparse.window_days, config.sparse.volume_window_days) + 2)
    return days


def history_range(config: AlertConfig, first_at: datetime, last_at: datetime) -> tuple[datetime, datetime]:
    """Mentions a run (or a series of runs) needs: baselines, windows, up to the last run."""
    return day_start(local_day(first_at) - timedelta(days=lookback_days(config))), last_at


def replay(history: History, config: AlertConfig, times: Sequence[datetime], book: EpisodeBook | None = None,
           brands: Iterable[str] | None = None) -> tuple[list[AlertEvent], EpisodeBook]:
    """Run the rules at each time in order, as scheduled runs would have: the backtest."""
    book = book or EpisodeBook()
    events: list[AlertEvent] = []
    brand_list = list(brands) if brands is not None else None
    for at in times:
        events += advance(book, evaluate(history, config, at, book, brand_list), config, at)
    return events, book
