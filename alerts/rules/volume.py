"""``volume``: far more mentions than the baseline's count for these days (weekday-aware)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

import numpy as np

from alerts.episodes import Episode
from alerts.findings import Finding, RuleResult, make_finding
from alerts.history import History, N
from alerts.rules import RECOVERY_FRACTION, Rule, register
from alerts.stats import expected_volume, volume_test
from alerts.text import judged_text, p_text
from alerts.windows import Window, baseline_days, daily_window, weighted, window_sum
from klantstem.config import AlertConfig


def test(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, weights: np.ndarray,
         tests: int = 1) -> RuleResult:
    """Poisson or negative-binomial test of the window's count against the baseline's days."""
    settings = config.volume
    counts = history.daily[s, base, N]
    if counts.sum() < config.min_baseline_volume or len(base) < 7:
        return None, None
    observed = int(window_sum(history, s, w)[N])
    expected, _ = expected_volume(counts, history.weekday[base], weights, settings.weekly_seasonality)
    ratio = observed / expected
    if observed < settings.min_volume or ratio < settings.min_ratio:
        return ratio, None
    res = volume_test(observed, counts, history.weekday[base], weights, settings.weekly_seasonality)
    if res.p_value > settings.max_p_value / tests:
        return ratio, None
    return ratio, make_finding("volume", w, history, base, observed, observed, counts.sum(), res, ratio)


def quiet(history: History, s: int, at: datetime, config: AlertConfig, excluded: Sequence[tuple[date, date]],
          floor: date | None, tests: int) -> RuleResult:
    """The same test on a ``sparse.volume_window_days`` window against the long baseline."""
    sparse = config.sparse
    w = daily_window(history, at, sparse.volume_window_days)
    base = baseline_days(history, s, w, config, excluded, floor, sparse.baseline_days)
    ratio, finding = test(history, s, w, base, config, weighted(history, w)[1], tests)
    weeks = sparse.volume_window_days / 7
    return ratio, (replace(finding, judged=f"over {weeks:g} weeks against the last {sparse.baseline_days} days")
                   if finding is not None else None)


def effect(f: Finding, when: str) -> str:
    return (
        f"{f.volume} mentions {when}, usually about {f.expected:.0f} "
        f"({f.severity:.1f}x, {p_text(f.p_value)}, {f.test}{judged_text(f.judged)})"
    )


def peak(a: Episode) -> str:
    return f"{a.peak_severity:.1f}x usual volume"


def headline(_a: Episode, f: Finding, worse: str) -> str:
    return f"volume spike{worse}, {f.volume} mentions ({f.severity:.1f}x usual)"


RULE = register(Rule(
    name="volume", label="volume", family="volume",
    settings=lambda config: config.volume,
    recovery=lambda config: 1 + (config.volume.min_ratio - 1) * RECOVERY_FRACTION,
    effect=effect, peak=peak, headline=headline, test=test, quiet=quiet, quiet_metric=N,
    focus="all", by_source_label="Mentions", terms_label="Top terms", order=2,
))
