"""The windows a rule looks at and the baseline days before them, in history day indices.

A daily window is the last N complete Amsterdam days before the run; an intraday one the
last hours up to it; a stream window a quiet scope's CUSUM run (``alerts.quiet``). The
baseline is the days before the window, less days with an alert (an incident must not raise
its own baseline) and days before the latest level shift (``floor``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from alerts.history import History, day_start, epoch_hour, hour_start, local_day
from klantstem.config import AlertConfig


@dataclass(frozen=True)
class Window:
    kind: str  # daily | intraday | stream (a quiet scope's CUSUM run, see alerts.quiet)
    start: datetime
    end: datetime  # exclusive
    first_day: int  # history day indices the window touches
    last_day: int


#: A window with the weekday weights of its days (or hours), for the seasonal tests.
Weighted = tuple[Window, np.ndarray]


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


def weighted(history: History, w: Window) -> Weighted:
    """The window with how many of each weekday it covers (days, or hours for intraday)."""
    if w.kind == "daily":
        weights = np.zeros(7)
        for d in range(w.first_day, w.last_day + 1):
            weights[(history.first_day + timedelta(days=d)).weekday()] += 1
        return w, weights
    return w, history.hour_weekday_weights(epoch_hour(w.start), epoch_hour(w.end))


def baseline_days(
    history: History, scope: int, window: Window, config: AlertConfig, excluded: Sequence[tuple[date, date]], floor: date | None,
    length: int | None = None,
) -> np.ndarray:
    """Day indices of the ``length`` (default ``baseline_days``) days before the window, less
    the excluded ones, none before the scope's first mention or ``floor``."""
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


def window_sum(history: History, s: int, w: Window) -> np.ndarray:
    """Every metric of scope ``s`` summed over the window."""
    if w.kind == "daily":
        return history.days_sum(s, w.first_day, w.last_day)
    return history.hours_sum(s, epoch_hour(w.start), epoch_hour(w.end))


def widen(history: History, s: int, metric: int, need: int, first: Weighted, wider: list[Weighted]) -> Weighted:
    """The shortest daily window (window_days .. max_window_days) with ``need`` of ``metric``:
    a brand with five reviews a day is judged on its last few days, not never. The choice
    depends on how many mentions there are, not on what they say, so the test given that
    volume stays exact."""
    for w, weights in (first, *wider):
        if history.days_sum(s, w.first_day, w.last_day)[metric] >= need:
            return w, weights
    return first


def shift_periods(history: History, config: AlertConfig, at: datetime) -> list[Weighted] | None:
    """The last ``level_shift_days`` complete days, whole and as two halves."""
    if not config.level_shift_days:
        return None
    days = max(config.level_shift_days, 2)
    last = history.day_index(local_day(at) - timedelta(days=1))
    first, middle = last - days + 1, last - days + days // 2
    return [weighted(history, Window("daily", day_start(history.day_of(lo)), day_start(history.day_of(hi + 1)), lo, hi))
            for lo, hi in ((first, last), (first, middle), (middle + 1, last))]
