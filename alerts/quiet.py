"""Quiet scopes: a brand with a few reviews a week never fills a daily window.

Where the baseline holds too few of a rule's mentions for day-scale tests (``sparse``), the
rule's ``quiet`` test judges the review stream instead: a CUSUM over the last
``sparse.window_days`` against a long baseline (``sparse.baseline_days``). This module holds
what those tests share: the stream, and the window and wording of an alarm. Calibration:
docs/provenance.md and ``benchmarks/bench_alerts_sparse.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from alerts.history import History, day_start, local_day
from alerts.rules import Rule
from alerts.stats import CusumResult
from alerts.windows import Window, baseline_days, daily_window
from klantstem.config import AlertConfig


def sparse_limit(rule: Rule, config: AlertConfig) -> float:
    """Mentions of the rule's kind the last ``baseline_days`` need for day-scale tests:
    ``min_baseline_volume``, and the rule's ``min_volume`` per ``max_window_days``."""
    per_window = rule.settings(config).min_volume * config.baseline_days / max(config.max_window_days, config.window_days)
    return max(config.min_baseline_volume, per_window)


def sparse(history: History, s: int, rule: Rule, at: datetime, config: AlertConfig) -> bool:
    """Too few of the rule's mentions in the last ``baseline_days`` for day-scale tests (``sparse_limit``)."""
    if not config.sparse.enabled or rule.quiet is None or rule.quiet_metric is None:
        return False
    last = history.day_index(local_day(at) - timedelta(days=1))
    held = history.days_sum(s, last - config.baseline_days + 1, last)[rule.quiet_metric]
    return bool(held < sparse_limit(rule, config))


@dataclass(frozen=True)
class Stream:
    """A quiet scope's last ``sparse.window_days`` and its long baseline."""

    base: np.ndarray  # baseline day indices
    baseline: np.ndarray  # metrics summed over them
    days: np.ndarray  # day indices of the stream
    daily: np.ndarray  # [day, metric] over the stream
    recent: np.ndarray  # metrics summed over the last ``sparse.volume_window_days``: is it still going on?


def stream(history: History, s: int, at: datetime, config: AlertConfig, excluded: Sequence[tuple[date, date]],
           floor: date | None, metric: int) -> Stream | None:
    """The stream, or None when the long baseline holds too few of ``metric`` to judge it."""
    sparse_cfg = config.sparse
    span = daily_window(history, at, sparse_cfg.window_days)
    base = baseline_days(history, s, span, config, excluded, floor, sparse_cfg.baseline_days)
    b = history.daily[s, base].sum(axis=0)
    if b[metric] < sparse_cfg.min_baseline_volume:
        return None
    days = np.arange(max(span.first_day, 0), span.last_day + 1)
    if floor is not None:
        days = days[days >= history.day_index(floor)]
    if not len(days):
        return None
    recent = history.days_sum(s, span.last_day - sparse_cfg.volume_window_days + 1, span.last_day)
    return Stream(base, b, days, history.daily[s, days], recent)


def alarm(history: History, s: int, st: Stream, run: CusumResult, metric: int, config: AlertConfig,
          tests: int) -> tuple[Window, np.ndarray, str] | None:
    """When the CUSUM is over its limit: the window since its run began, the metrics summed
    over it, and how the scope was judged in words; else None."""
    # more scopes of one brand, more chances: log(tests) on h divides each scope's false-alarm
    # rate by about ``tests`` (the run length to a false alarm grows about exponentially in h)
    if run.statistic <= 0 or run.statistic < config.sparse.threshold + math.log(tests):
        return None
    first, last = int(st.days[min(run.start, len(st.days) - 1)]), int(st.days[-1])
    w = Window("stream", day_start(history.day_of(first)), day_start(history.day_of(last + 1)), first, last)
    per_week = 7 * float(st.daily[:, metric].sum()) / len(st.days)
    judged = f"on the review stream (CUSUM over {config.sparse.window_days} days): {per_week:.1f} reviews a week"
    return w, history.days_sum(s, first, last), judged
