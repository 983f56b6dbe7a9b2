"""Findings -> alert episodes: where alert fatigue is handled (``advance``).

* a rule that keeps firing for the same brand/source on consecutive runs stays **one**
  alert (``update`` events are recorded, not sent);
* it is sent again only when it gets **worse** (effect >= ``worse_factor`` x the last
  message's), for rules with ``renotify_when_worse``;
* it is **resolved** once its effect is back below its rule's ``recovery`` level (half the
  rule's minimum effect: hysteresis, not merely no longer significant) for
  ``recover_after_hours``; a run without enough data to tell (a failed crawl) is no all-clear;
* if it fires again within ``cooldown_hours`` of resolving, the same alert is
  **re-opened** silently (flapping is one episode), unless it is worse;
* a recovery is messaged once per alert (a flapping alert says "back to normal" again
  only after it was messaged as worse);
* when the engine finds it sustained (``Evaluation.shifts``) it is closed as a **level
  shift**: reported once, and the baseline restarts at its first day. A shift is one change
  of the brand/source: related alerts of the same rule family for that source, the brand as
  a whole and its other sources close with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from alerts.findings import Evaluation, Finding, Key, effect_text
from alerts.history import ALL, local_day
from alerts.rules import rule
from klantstem.config import AlertConfig

NOTIFY_EVENTS = ("new", "worse", "level_shift", "recovered")


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
        label = rule(a.rule).label
        if self.event == "recovered":
            return f"RECOVERED {ref}{scope} {label}: back to normal (peak {peak_text(a)})"
        if self.event == "level_shift":
            what = effect_text(self.finding) if self.finding else "part of the same shift"
            return f"LEVEL SHIFT {ref}{scope} {label}: {what}; treated as the new normal"
        text = effect_text(self.finding) if self.finding else ""
        return f"{self.event.upper()} {ref}{scope} {label}: {text}"


def peak_text(a: Episode) -> str:
    """The episode's peak in its rule's words."""
    return rule(a.rule).peak(a)


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
        name, brand, source = key
        family = rule(name).family
        days = [
            local_day(e.window_start if rule(e.rule).new_level_from_window else e.episode_start)
            for e in self.episodes
            if e.status == "level_shift" and rule(e.rule).family == family and related(e.brand, e.source, brand, source)
        ]
        return max(days) if days else None


def related(brand_a: str, source_a: str, brand_b: str, source_b: str) -> bool:
    """Same brand, and the same source or one of them is the brand as a whole."""
    return brand_a == brand_b and (source_a == source_b or ALL in (source_a, source_b))



def _worse(episode: Episode, finding: Finding, config: AlertConfig) -> bool:
    """Worth a new message: the effect grew by ``worse_factor``. Not for an invitation flow: it
    started or stopped, and fewer of the last invitations in the window is not news."""
    return rule(episode.rule).renotify_when_worse and finding.severity >= episode.notified_severity * config.worse_factor


def advance(book: EpisodeBook, evaluation: Evaluation, config: AlertConfig, at: datetime) -> list[AlertEvent]:
    """Apply one run's findings to the episodes; returns what happened."""
    events: list[AlertEvent] = []
    shifted: list[Episode] = []
    hours = lambda h: timedelta(hours=h)
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
            normal = effect is not None and effect < rule(episode.rule).recovery(config)
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
                or rule(other.rule).family != rule(shift.rule).family
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
