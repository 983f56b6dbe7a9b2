"""``rating_drop``: the mean normalised rating of a scope's rated reviews below its baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

import numpy as np

from alerts.episodes import Episode
from alerts.findings import Finding, RuleResult, make_finding
from alerts.history import RATED, RSQ, RSUM, History
from alerts.quiet import alarm, stream
from alerts.rules import RECOVERY_FRACTION, Rule, register
from alerts.stats import cusum, gaussian_cusum_increments, rating_drop_test
from alerts.text import judged_text, p_text, stars
from alerts.windows import Window, window_sum
from klantstem.config import AlertConfig


def test(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, _weights: np.ndarray,
         tests: int = 1) -> RuleResult:
    """One-sided Welch t-test of the window's mean rating against the baseline's."""
    settings = config.rating_drop
    b = history.daily[s, base].sum(axis=0)
    b_n = b[RATED]
    win = window_sum(history, s, w)
    n = win[RATED]
    if b_n < config.min_baseline_volume or n < settings.min_volume:
        return None, None
    mean, b_mean = win[RSUM] / n, b[RSUM] / b_n
    drop = b_mean - mean
    if drop < settings.min_drop:
        return drop, None
    var = max(win[RSQ] - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
    b_var = max(b[RSQ] - b_n * b_mean * b_mean, 0.0) / (b_n - 1)
    res = rating_drop_test(int(n), mean, var, int(b_n), b_mean, b_var)
    if math.isnan(res.p_value) or res.p_value > settings.max_p_value / tests:
        return drop, None
    return drop, make_finding("rating_drop", w, history, base, n, mean, b_n, res, drop)


def quiet(history: History, s: int, at: datetime, config: AlertConfig, excluded: Sequence[tuple[date, date]],
          floor: date | None, tests: int) -> RuleResult:
    """Gaussian CUSUM over the review stream, tuned to a fall of ``sparse.rating_drop``; the
    effect is the fall over the last ``volume_window_days``."""
    st = stream(history, s, at, config, excluded, floor, RATED)
    if st is None:
        return None, None
    b = st.baseline
    mean0 = b[RSUM] / b[RATED]
    var0 = max((b[RSQ] - b[RATED] * mean0 * mean0) / max(b[RATED] - 1, 1), 0.01)
    run = cusum(gaussian_cusum_increments(st.daily[:, RATED], st.daily[:, RSUM], mean0, var0, config.sparse.rating_drop))
    effect = mean0 - st.recent[RSUM] / st.recent[RATED] if st.recent[RATED] else None
    hit = alarm(history, s, st, run, RATED, config, tests)
    if hit is None:
        return effect, None
    w, win, judged = hit
    n = int(win[RATED])
    mean = win[RSUM] / n
    drop = mean0 - mean
    if drop < config.rating_drop.min_drop:
        return effect, None
    var = max(win[RSQ] - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
    res = rating_drop_test(n, mean, var, int(b[RATED]), mean0, var0)
    finding = make_finding("rating_drop", w, history, st.base, n, mean, b[RATED], res, drop)
    return effect, replace(finding, test="cusum", judged=judged)


def effect(f: Finding, when: str) -> str:
    return (
        f"mean rating {stars(f.observed)} on {f.volume} rated reviews {when}, usually {stars(f.expected)} "
        f"(-{f.severity:.2f} on the 0-1 scale, {p_text(f.p_value)}, {f.test}{judged_text(f.judged)})"
    )


def peak(a: Episode) -> str:
    return f"-{a.peak_severity:.2f} rating"


def headline(_a: Episode, f: Finding, worse: str) -> str:
    return f"rating drop{worse} to {stars(f.observed)} (usually {stars(f.expected)})"


RULE = register(Rule(
    name="rating_drop", label="rating drop", family="sentiment",
    settings=lambda config: config.rating_drop,
    recovery=lambda config: config.rating_drop.min_drop * RECOVERY_FRACTION,
    effect=effect, peak=peak, headline=headline, test=test, quiet=quiet, quiet_metric=RATED, widen_metric=RATED,
    focus="low_rating", by_source_label="Low ratings", terms_label="Top terms in low ratings",
    value=lambda v: f"{1 + 4 * v:.1f}/5", order=1,
))
