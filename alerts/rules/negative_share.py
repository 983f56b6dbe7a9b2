"""``negative_share``: more of a scope's scored mentions negative than its baseline expects."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

import numpy as np

from alerts.episodes import Episode
from alerts.findings import Finding, RuleResult, make_finding
from alerts.history import NEG, SCORED, History
from alerts.quiet import alarm, stream
from alerts.rules import RECOVERY_FRACTION, Rule, register
from alerts.stats import (
    baseline_share,
    bernoulli_cusum_increments,
    cusum,
    expected_negative_share,
    negative_share_test,
)
from alerts.text import judged_text, p_text
from alerts.windows import Window, window_sum
from klantstem.config import AlertConfig


def test(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, weights: np.ndarray,
         tests: int = 1) -> RuleResult:
    """Binomial or beta-binomial test of the window's negatives against the baseline share
    (per weekday when ``weekly_seasonality`` and two weeks of baseline)."""
    settings = config.negative_share
    b = history.daily[s, base]
    b_n, b_k = b[:, SCORED], b[:, NEG]
    win = window_sum(history, s, w)
    n, k = int(win[SCORED]), int(win[NEG])
    if b_n.sum() < config.min_baseline_volume or n < settings.min_volume:
        return None, None
    seasonal = settings.weekly_seasonality and len(base) >= 14
    weekdays, weights = (history.weekday[base], weights) if seasonal else (None, None)
    share = k / n
    expected, _, _ = expected_negative_share(b_k, b_n, weekdays, weights)
    lift = share - expected
    if lift < settings.min_lift:
        return lift, None
    res = negative_share_test(k, n, b_k, b_n, settings.overdispersion, weekdays, weights)
    if res.p_value > settings.max_p_value / tests:
        return lift, None
    return lift, make_finding("negative_share", w, history, base, n, share, b_n.sum(), res, lift, k)


def quiet(history: History, s: int, at: datetime, config: AlertConfig, excluded: Sequence[tuple[date, date]],
          floor: date | None, tests: int) -> RuleResult:
    """Bernoulli CUSUM over the review stream, tuned to a rise of ``sparse.negative_lift``. The
    effect is the rise over the last ``volume_window_days``: a CUSUM stays high long after an
    incident ended, the recent reviews say whether it still goes on."""
    st = stream(history, s, at, config, excluded, floor, SCORED)
    if st is None:
        return None, None
    b = st.baseline
    p0 = baseline_share(b[NEG], b[SCORED])
    run = cusum(bernoulli_cusum_increments(st.daily[:, NEG], st.daily[:, SCORED], p0, min(p0 + config.sparse.negative_lift, 0.99)))
    effect = st.recent[NEG] / st.recent[SCORED] - p0 if st.recent[SCORED] else None
    hit = alarm(history, s, st, run, SCORED, config, tests)
    if hit is None:
        return effect, None
    w, win, judged = hit
    n, k = int(win[SCORED]), int(win[NEG])
    lift = k / n - p0
    if lift < config.negative_share.min_lift:
        return effect, None
    res = negative_share_test(k, n, np.array([b[NEG]]), np.array([b[SCORED]]), "binomial")
    finding = make_finding("negative_share", w, history, st.base, n, k / n, b[SCORED], res, lift, k)
    return effect, replace(finding, test="cusum", judged=judged)


def effect(f: Finding, when: str) -> str:
    return (
        f"{f.observed:.0%} negative ({f.negative} of {f.volume} scored) {when}, usually {f.expected:.0%} "
        f"(+{f.severity * 100:.0f} points, {p_text(f.p_value)}, {f.test}{judged_text(f.judged)})"
    )


def peak(a: Episode) -> str:
    return f"+{a.peak_severity * 100:.0f} points"


def headline(_a: Episode, f: Finding, worse: str) -> str:
    return f"negative spike{worse}, {f.observed:.0%} negative (usually {f.expected:.0%})"


RULE = register(Rule(
    name="negative_share", label="negative share", family="sentiment",
    settings=lambda config: config.negative_share,
    recovery=lambda config: config.negative_share.min_lift * RECOVERY_FRACTION,
    effect=effect, peak=peak, headline=headline, test=test, quiet=quiet, quiet_metric=SCORED, widen_metric=SCORED,
    focus="negative", by_source_label="Negative mentions", terms_label="Top negative terms",
    value="{:.0%}".format, order=0,
))
