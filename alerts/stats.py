"""The statistical tests behind the alert rules, on plain numbers (no warehouse, no config).

Each test answers: "is what we saw in the window unusually *bad* compared with the
baseline days?" (one-sided), and returns the p-value together with the expected value and
which distribution it used, so an alert can show its working.

* Negative share: exact one-sided binomial test of ``k`` negatives out of ``n`` scored
  mentions against the baseline share. When the baseline *days* vary more than binomial
  sampling explains (weekends angrier than weekdays, a news cycle), the day-to-day
  variation is real and a binomial test would fire on ordinary days: then the
  beta-binomial with the intra-day correlation estimated from the baseline is used.
* Volume: count in the window against the baseline mean, per weekday when there is
  weekly seasonality (quiet Sundays), Poisson or - when days vary more than Poisson -
  negative binomial.
* Rating drop: one-sided Welch t-test of the window's mean normalised rating against the
  baseline's.
* Sparse streams: a CUSUM (Page) over days of a quiet brand's reviews, for the negative
  share (Bernoulli log-likelihood ratio) and the mean rating (Gaussian mean shift).
* Invitation flow: Poisson tests of the invited reviews' count, upwards (started) and
  downwards (stopped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Below this p-value of the Pearson dispersion test, the baseline is called overdispersed.
DISPERSION_ALPHA = 0.05
#: Days needed to estimate a dispersion at all.
MIN_DISPERSION_DAYS = 7
#: Pseudo-mentions at the overall share added to each weekday's own share.
SHARE_PRIOR = 100.0


@dataclass(frozen=True)
class TestResult:
    p_value: float
    expected: float  # share / count / mean rating the baseline predicts for the window
    test: str  # binomial | beta-binomial | poisson | negative-binomial | welch-t
    dispersion: float = 0.0  # rho (beta-binomial), 1/r (negative binomial); 0 when not used


def baseline_share(negative: float, scored: float) -> float:
    """Laplace-smoothed baseline share: a brand without a single negative baseline mention
    still has a non-zero expected share, so one complaint is not an impossible event."""
    return (negative + 1.0) / (scored + 2.0)


def intraclass_correlation(k: np.ndarray, n: np.ndarray, p: np.ndarray | float) -> tuple[float, float]:
    """(rho, dispersion-test p-value) of daily counts ``k`` out of ``n`` around shares ``p``.

    Method of moments for the beta-binomial: E[chi2] ~= (D - 1) + rho * (sum(n) - D), where
    chi2 is Pearson's statistic over the D days with any volume.
    """
    p = np.broadcast_to(np.asarray(p, dtype=float), np.shape(n))
    mask = (n > 0) & (p > 0) & (p < 1)
    k, n, p = k[mask].astype(float), n[mask].astype(float), p[mask]
    days = len(n)
    if days < MIN_DISPERSION_DAYS:
        return 0.0, 1.0
    chi2 = float(np.sum((k - n * p) ** 2 / (n * p * (1 - p))))
    p_disp = float(stats.chi2.sf(chi2, days - 1))
    denom = float(n.sum()) - days
    rho = (chi2 - (days - 1)) / denom if denom > 0 else 0.0
    return min(max(rho, 0.0), 0.5), p_disp


def weekday_shares(k: np.ndarray, n: np.ndarray, weekdays: np.ndarray, prior: float = SHARE_PRIOR) -> np.ndarray:
    """Seven expected shares (Monday..Sunday): each weekday's own share, shrunk towards the
    overall (Laplace) share as if ``prior`` more mentions at the overall share had been seen,
    so four quiet Sundays cannot define every Sunday."""
    overall = baseline_share(float(np.sum(k)), float(np.sum(n)))
    shares = np.full(7, overall)
    for day in range(7):
        sel = weekdays == day
        shares[day] = (float(k[sel].sum()) + prior * overall) / (float(n[sel].sum()) + prior)
    return shares


def expected_negative_share(
    baseline_k: np.ndarray,
    baseline_n: np.ndarray,
    baseline_weekdays: np.ndarray | None = None,
    window_weights: np.ndarray | None = None,
) -> tuple[float, np.ndarray | float, float]:
    """(expected share in the window, expected share of each baseline day, the number of
    mentions that expectation rests on).

    With ``baseline_weekdays`` and ``window_weights`` (days' worth of each weekday the window
    covers) it is weekday-aware: angrier weekends are not a spike, and do not count as
    overdispersion either. Otherwise the Laplace-smoothed baseline share.
    """
    baseline_k, baseline_n = np.asarray(baseline_k, dtype=float), np.asarray(baseline_n, dtype=float)
    if baseline_weekdays is not None and window_weights is not None and np.sum(window_weights) > 0:
        weekdays = np.asarray(baseline_weekdays)
        shares = weekday_shares(baseline_k, baseline_n, weekdays)
        support = min(float(baseline_n[weekdays == d].sum()) + SHARE_PRIOR for d in range(7) if window_weights[d] > 0)
        return float(np.dot(window_weights, shares) / np.sum(window_weights)), shares[weekdays], support
    p = baseline_share(float(baseline_k.sum()), float(baseline_n.sum()))
    return p, p, float(baseline_n.sum())


def negative_share_test(
    k: int,
    n: int,
    baseline_k: np.ndarray,
    baseline_n: np.ndarray,
    overdispersion: str = "auto",
    baseline_weekdays: np.ndarray | None = None,
    window_weights: np.ndarray | None = None,
) -> TestResult:
    """P(at least ``k`` negatives of ``n``) given the baseline days' (weekday-aware) share.

    The expected share is itself an estimate from a finite baseline; treating it as exact
    would make the test over-confident (twice to three times too many p < 0.001 on null
    data). So the p-value is the posterior predictive one: the window's count is
    beta-binomial with the baseline's uncertainty (``1 / (support + 1)``) added to the
    day-to-day intra-class correlation ``rho``, which is used only when the baseline days
    are overdispersed (``auto``) or always (``beta-binomial``) or never (``binomial``). The
    label says which: 'binomial' = no overdispersion beyond the baseline uncertainty.
    """
    baseline_k, baseline_n = np.asarray(baseline_k, dtype=float), np.asarray(baseline_n, dtype=float)
    p, day_p, support = expected_negative_share(baseline_k, baseline_n, baseline_weekdays, window_weights)
    rho, p_disp = intraclass_correlation(baseline_k, baseline_n, day_p)
    use_beta = overdispersion == "beta-binomial" or (overdispersion == "auto" and p_disp < DISPERSION_ALPHA)
    rho = rho if use_beta else 0.0
    label = "beta-binomial" if use_beta else "binomial"
    if k <= 0:
        return TestResult(1.0, p, label, rho)
    spread = rho + 1.0 / (support + 1.0)  # var(share) / (p (1 - p))
    total = max(1.0 / spread - 1.0, 1e-6)
    p_value = float(stats.betabinom.sf(k - 1, n, p * total, (1 - p) * total))
    return TestResult(min(max(p_value, 0.0), 1.0), p, label, rho)


def weekday_factors(counts: np.ndarray, weekdays: np.ndarray, prior_days: float = 1.0) -> np.ndarray:
    """Seven multipliers of the mean daily count, shrunk towards 1 by ``prior_days`` pseudo-days
    so that one odd Tuesday in the baseline does not define all Tuesdays."""
    mean = float(counts.mean()) if len(counts) else 0.0
    factors = np.ones(7)
    if mean <= 0:
        return factors
    for day in range(7):
        sel = counts[weekdays == day]
        factors[day] = (float(sel.sum()) + prior_days * mean) / ((len(sel) + prior_days) * mean)
    return factors


def expected_volume(
    baseline_counts: np.ndarray, baseline_weekdays: np.ndarray, window_weights: np.ndarray, seasonal: bool = True
) -> tuple[float, np.ndarray]:
    """(expected count in the window, expected count of each baseline day): the baseline mean
    per day times the weekday factor (when ``seasonal`` and there are two weeks to learn
    them from), summed over the window."""
    counts = np.asarray(baseline_counts, dtype=float)
    weekdays = np.asarray(baseline_weekdays)
    factors = weekday_factors(counts, weekdays) if seasonal and len(counts) >= 14 else np.ones(7)
    mean = float(counts.mean()) if len(counts) else 0.0
    return max(mean * float(np.dot(window_weights, factors)), 0.5), mean * factors[weekdays]


def volume_test(
    observed: int,
    baseline_counts: np.ndarray,
    baseline_weekdays: np.ndarray,
    window_weights: np.ndarray,
    seasonal: bool = True,
) -> TestResult:
    """P(at least ``observed`` mentions) in a window that covers ``window_weights[d]`` of weekday ``d``.

    Dispersion (negative binomial ``var = mu + mu^2 / r``) is estimated from the baseline
    days' residuals around their own expected values; none beyond Poisson gives a Poisson test.
    """
    counts = np.asarray(baseline_counts, dtype=float)
    expected, fitted = expected_volume(counts, baseline_weekdays, window_weights, seasonal)
    if len(counts) >= MIN_DISPERSION_DAYS and counts.mean() > 0:
        var_excess = float(np.sum((counts - fitted) ** 2 - fitted)) / (len(counts) - 1)
        inv_r = var_excess / float(np.sum(fitted**2) / len(counts)) if var_excess > 0 else 0.0
    else:
        inv_r = 0.0
    if observed <= 0:
        return TestResult(1.0, expected, "poisson" if inv_r <= 0 else "negative-binomial", inv_r)
    if inv_r > 0:
        # A window longer than a day gets one day's relative variance: conservative.
        r = 1.0 / inv_r
        p_value = float(stats.nbinom.sf(observed - 1, r, r / (r + expected)))
        return TestResult(p_value, expected, "negative-binomial", inv_r)
    return TestResult(float(stats.poisson.sf(observed - 1, expected)), expected, "poisson")


def rating_drop_test(
    n: int, mean: float, var: float, baseline_n: int, baseline_mean: float, baseline_var: float
) -> TestResult:
    """One-sided Welch t-test: is the window's mean rating below the baseline's?"""
    if n < 2 or baseline_n < 2:
        return TestResult(1.0, baseline_mean, "welch-t")
    sd, sd_b = math.sqrt(max(var, 0.0)), math.sqrt(max(baseline_var, 0.0))
    if sd == 0 and sd_b == 0:
        return TestResult(0.0 if mean < baseline_mean else 1.0, baseline_mean, "welch-t")
    result = stats.ttest_ind_from_stats(mean, sd, n, baseline_mean, sd_b, baseline_n, equal_var=False, alternative="less")
    p_value = float(result.pvalue)
    return TestResult(1.0 if math.isnan(p_value) else p_value, baseline_mean, "welch-t")


@dataclass(frozen=True)
class CusumResult:
    """A CUSUM over consecutive days: its value on the last day and where its run began."""

    statistic: float
    start: int  # index of the first day of the current run (after the last reset to 0)
    path: np.ndarray  # the statistic after each day


def cusum(increments: np.ndarray) -> CusumResult:
    """Page's CUSUM ``S_t = max(0, S_{t-1} + x_t)`` over daily increments ``x_t``.

    ``start`` is the day after ``S`` was last 0: the CUSUM's estimate of when the change began.
    """
    path = np.empty(len(increments))
    s, start = 0.0, 0
    for t, x in enumerate(increments):
        s = max(0.0, s + float(x))
        if s == 0.0:
            start = t + 1
        path[t] = s
    return CusumResult(s, start, path)


def bernoulli_cusum_increments(k: np.ndarray, n: np.ndarray, p0: float, p1: float) -> np.ndarray:
    """Per day, the log-likelihood ratio of ``k`` negatives out of ``n`` under share ``p1`` vs ``p0``."""
    a, b = math.log(p1 / p0), math.log((1 - p1) / (1 - p0))
    return np.asarray(k, dtype=float) * a + (np.asarray(n, dtype=float) - np.asarray(k, dtype=float)) * b


def gaussian_cusum_increments(n: np.ndarray, total: np.ndarray, mean0: float, var0: float, drop: float) -> np.ndarray:
    """Per day, the log-likelihood ratio of ``n`` ratings summing to ``total`` under a mean
    ``drop`` lower than ``mean0`` (variance ``var0``) against no change."""
    n, total = np.asarray(n, dtype=float), np.asarray(total, dtype=float)
    return (drop / var0) * (n * (mean0 - drop / 2) - total)


def count_rise_test(observed: int, expected: float) -> TestResult:
    """P(at least ``observed``) for a Poisson count with mean ``expected``."""
    if observed <= 0:
        return TestResult(1.0, expected, "poisson")
    return TestResult(float(stats.poisson.sf(observed - 1, expected)), expected, "poisson")


def count_fall_test(observed: int, expected: float) -> TestResult:
    """P(at most ``observed``) for a Poisson count with mean ``expected``."""
    return TestResult(float(stats.poisson.cdf(observed, expected)), expected, "poisson")
