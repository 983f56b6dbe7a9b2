"""Rules -> findings: the part of alerting that is the same live and in a backtest.

``evaluate`` runs every enabled rule (``alerts.rules``) for every scope (the brand over all
its sources, and each (brand, source) when a brand has several) over its windows - the last
``window_days`` complete Amsterdam days (widened up to ``max_window_days`` for a thin scope
until it holds the rule's ``min_volume``) and the last ``intraday_hours`` up to the run, or
the rule's own window - against the ``baseline_days`` before each window. Left out of every
baseline: days on which the brand or source already had an alert (an incident must not raise
its own baseline, nor make ordinary days look noisy) and days before a level shift. It also
names the open alerts that have become the new normal: fired for ``level_shift_days`` over
the whole period while neither half of it is back to normal. ``alerts.episodes.advance``
turns the findings into alert episodes; ``replay`` does both run after run (the backtest).

Per-source tests are Bonferroni-corrected for the number of sources of the brand, so a
brand with five sources gets no more false alarms than one with one.

The rules judge the organic population by default (``AlertConfig.population``): reviews
the company invited are left out, so an invitation campaign starting or stopping cannot pass
for customers changing their minds; two rules of their own say when that flow changes.
A quiet scope (too few mentions for day-scale tests) is judged on its review stream
(``alerts.quiet``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from alerts.episodes import AlertEvent, Episode, EpisodeBook, advance
from alerts.findings import Evaluation, Finding, Key
from alerts.history import ALL, History, day_start, local_day
from alerts.quiet import sparse, sparse_limit
from alerts.rules import Rule, rule, rules
from alerts.windows import (
    Weighted,
    baseline_days,
    daily_window,
    shift_periods,
    weighted,
    widen,
    windows,
)
from klantstem.config import AlertConfig


def judgement(scored: float, config: AlertConfig) -> str:
    """How the negative-share rule judges a scope with ``scored`` mentions of the judged
    population in its last ``baseline_days``, in words for the run summary."""
    if config.sparse.enabled and scored < sparse_limit(rule("negative_share"), config):
        return f"on the review stream: {7 * scored / config.baseline_days:.1f} a week"
    return "daily"


def evaluate(history: History, config: AlertConfig, at: datetime, book: EpisodeBook, brands: Iterable[str] | None = None) -> Evaluation:
    """Every enabled rule with a ``test`` for every scope and window at time ``at``."""
    shared = [weighted(history, w) for w in windows(history, config, at)]
    longest = max(config.max_window_days, config.window_days)
    wider = [weighted(history, daily_window(history, at, d)) for d in range(config.window_days + 1, longest + 1)]
    judged = [r for r in rules() if r.test is not None and r.settings(config).enabled]
    own = {r.name: [weighted(history, daily_window(history, at, r.window_days(config)))]
           for r in judged if r.window_days is not None}
    findings: dict[Key, Finding] = {}
    measured: dict[Key, float] = {}
    shifts: dict[Key, Finding] = {}
    periods = shift_periods(history, config, at)
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
            for r in judged:
                if r.brand_only and source != ALL:
                    continue
                key = (r.name, brand, source)
                floor = book.baseline_floor(key)
                if sparse(history, s, r, at, config):
                    _judge_quiet(history, s, r, key, at, config, book, excluded, floor, tests, findings, measured, shifts)
                    continue
                for w, weights in own.get(r.name, shared):
                    if w.kind == "daily" and r.widen_metric is not None:
                        w, weights = widen(history, s, r.widen_metric, r.settings(config).min_volume, (w, weights), wider)
                    base = baseline_days(history, s, w, config, excluded, floor)
                    effect, finding = r.test(history, s, w, base, config, weights, tests)
                    if effect is not None:
                        measured[key] = max(measured.get(key, -math.inf), effect)
                    if finding is not None and (key not in findings or finding.severity >= findings[key].severity):
                        findings[key] = replace(finding, brand=brand, source=source)
                if periods and _shift_candidate(book.latest.get(key), config, at):
                    shift = _sustained(history, s, r, periods, config, excluded, floor, tests)
                    if shift is not None:
                        shifts[key] = replace(shift, brand=brand, source=source)
    return Evaluation(findings, measured, shifts)


def _judge_quiet(history: History, s: int, r: Rule, key: Key, at: datetime, config: AlertConfig, book: EpisodeBook,
                 excluded: Sequence[tuple[date, date]], floor: date | None, tests: int, findings: dict[Key, Finding],
                 measured: dict[Key, float], shifts: dict[Key, Finding]) -> None:
    """A quiet scope's rule on its review stream; an alert open ``sparse.level_shift_days``
    that still measures above normal is the new normal."""
    assert r.quiet is not None
    _, brand, source = key
    effect, finding = r.quiet(history, s, at, config, excluded, floor, tests)
    if effect is not None:
        measured[key] = effect
    if finding is None:
        return
    findings[key] = replace(finding, brand=brand, source=source)
    episode = book.latest.get(key)
    if (episode is not None and episode.status == "open" and effect is not None and effect >= r.recovery(config)
            and at - episode.first_fired_at >= timedelta(days=config.sparse.level_shift_days)):
        shifts[key] = findings[key]


def _shift_candidate(episode: Episode | None, config: AlertConfig, at: datetime) -> bool:
    """A recent alert, first fired at least ``level_shift_days`` ago, that may be a new normal."""
    if episode is None or episode.status == "level_shift":
        return False
    if at - episode.first_fired_at < timedelta(days=config.level_shift_days):
        return False
    return episode.status == "open" or (
        episode.resolved_at is not None and at - episode.resolved_at <= timedelta(hours=config.cooldown_hours)
    )


def _sustained(history: History, s: int, r: Rule, periods: list[Weighted], config: AlertConfig,
               excluded: Sequence[tuple[date, date]], floor: date | None, tests: int) -> Finding | None:
    """The rule fires on the whole period, and neither half of it is back to normal:
    a sustained change, not an incident that has passed."""
    assert r.test is not None
    (whole, weights), *halves = periods
    base = baseline_days(history, s, whole, config, excluded, floor)
    _, finding = r.test(history, s, whole, base, config, weights, tests)
    if finding is None:
        return None
    for half, half_weights in halves:
        effect, _ = r.test(history, s, half, base, config, half_weights, tests)
        if effect is None or effect < r.recovery(config):
            return None
    return finding


def lookback_days(config: AlertConfig) -> int:
    """Days before a run that its windows and their baselines can reach."""
    own = [r.window_days(config) for r in rules() if r.window_days is not None]
    longest = max(config.window_days, config.max_window_days, config.level_shift_days, config.intraday_hours // 24 + 1, *own)
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
