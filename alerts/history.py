"""The mention history the rules look at, as hourly counts per brand and source.

One query over ``mentions_scored`` aggregates, per (brand, source) and per brand over all
sources (``source = 'all'``, as in ``daily_sentiment``) and per UTC hour: mentions, scored
mentions, negative mentions, rated mentions and the sum and sum of squares of the
normalised rating, of the judged population (organic by default: reviews the company
invited are left out, docs/provenance.md), plus the invited reviews' count for the rule
that notices an invitation flow starting or stopping. Every window the rules need - the last complete Amsterdam days, the
last 24 hours up to the run, the baseline days before them - is a sum over these buckets,
so a backtest over a year is one query plus array arithmetic, not one query per day.
Amsterdam is a whole number of hours off UTC, so every UTC hour lies in one local day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import numpy as np

from klantstem.clock import AMSTERDAM

ALL = "all"

# metric columns of History.hourly / History.daily
N, SCORED, NEG, RATED, RSUM, RSQ, INV = range(7)
METRICS = ("mentions", "scored", "negative", "rated", "rating_sum", "rating_sq", "invited")


def epoch_hour(moment: datetime) -> int:
    """Index of the UTC hour that contains ``moment``."""
    return int(moment.timestamp() // 3600)


def hour_start(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * 3600, UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def day_start(day: date) -> datetime:
    """Midnight in Amsterdam of ``day``, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)


@dataclass
class History:
    """Hourly and daily counts per scope over ``[first_hour, first_hour + hours)``."""

    scopes: list[tuple[str, str]]  # (brand, source); source 'all' = every source of the brand
    first_hour: int
    hourly: np.ndarray  # [scope, hour, metric]
    first_day: date
    hour_day: np.ndarray  # [hour] -> index of its Amsterdam day
    daily: np.ndarray  # [scope, day, metric]
    weekday: np.ndarray  # [day] -> 0 = Monday
    first_mention_day: np.ndarray  # [scope] -> day index of the scope's first mention ever (may be < 0)

    def __post_init__(self) -> None:
        self.index = {scope: i for i, scope in enumerate(self.scopes)}

    @property
    def days(self) -> int:
        return self.daily.shape[1]

    def day_index(self, day: date) -> int:
        return (day - self.first_day).days

    def day_of(self, index: int) -> date:
        return self.first_day + timedelta(days=int(index))

    def sources(self, brand: str) -> list[str]:
        return sorted(s for b, s in self.scopes if b == brand and s != ALL)

    def brands(self) -> list[str]:
        return sorted({b for b, _ in self.scopes})

    def hour_slice(self, start_hour: int, end_hour: int) -> slice:
        lo = min(max(start_hour - self.first_hour, 0), self.hourly.shape[1])
        hi = min(max(end_hour - self.first_hour, 0), self.hourly.shape[1])
        return slice(lo, hi)

    def hours_sum(self, scope: int, start_hour: int, end_hour: int) -> np.ndarray:
        return self.hourly[scope, self.hour_slice(start_hour, end_hour)].sum(axis=0)

    def days_sum(self, scope: int, first: int, last: int) -> np.ndarray:
        lo, hi = max(first, 0), min(last + 1, self.days)
        return self.daily[scope, lo:hi].sum(axis=0) if hi > lo else np.zeros(len(METRICS))

    def hour_weekday_weights(self, start_hour: int, end_hour: int) -> np.ndarray:
        """How many days' worth of each weekday the hours cover (24 Monday hours = 1.0)."""
        weights = np.zeros(7)
        for hour in range(start_hour, end_hour):
            weights[hour_start(hour).astimezone(AMSTERDAM).weekday()] += 1 / 24
        return weights


_HOURLY_SQL = """
SELECT brand,
       CASE WHEN grouping(source) = 1 THEN NULL ELSE source END AS source,
       CAST(floor(epoch(published_at) / 3600) AS BIGINT)          AS hour,
       count(*) FILTER (WHERE {judged})                           AS mentions,
       count(sentiment) FILTER (WHERE {judged})                   AS scored,
       count(*) FILTER (WHERE {judged} AND sentiment = 'neg')     AS negative,
       count(rating_normalised) FILTER (WHERE {judged})           AS rated,
       coalesce(sum(rating_normalised) FILTER (WHERE {judged}), 0) AS rating_sum,
       coalesce(sum(rating_normalised * rating_normalised) FILTER (WHERE {judged}), 0) AS rating_sq,
       count(*) FILTER (WHERE population = 'invited')             AS invited
FROM mentions_scored ANTI JOIN mention_copies USING (mention_id)  -- a copy is not another voice
WHERE published_at >= $start AND published_at < $end {brand_filter}
GROUP BY GROUPING SETS ((brand, source, hour), (brand, hour))
"""

#: Which mentions the rules judge, per ``AlertConfig.population``.
JUDGED = {"organic": "population = 'organic'", "all": "TRUE"}

_FIRST_SQL = """
SELECT brand, CASE WHEN grouping(source) = 1 THEN NULL ELSE source END AS source, min(published_at)
FROM mentions {where}
GROUP BY GROUPING SETS ((brand, source), (brand))
"""


def load_history(
    con: duckdb.DuckDBPyConnection, start: datetime, end: datetime, brands: list[str] | None = None,
    population: str = "organic",
) -> History:
    """Counts for mentions published in ``[start, end)`` (rounded out to whole Amsterdam days),
    of ``population`` (``organic`` or ``all``, see ``JUDGED``)."""
    first_day = local_day(start)
    last_day = local_day(end - timedelta(microseconds=1))
    start, end = day_start(first_day), day_start(last_day + timedelta(days=1))
    params: dict[str, object] = {"start": start, "end": end}
    brand_filter, where = "", ""
    if brands is not None:
        params["brands"] = list(brands)
        brand_filter = "AND list_contains($brands, brand)"
        where = "WHERE list_contains($brands, brand)"
    cols = con.execute(_HOURLY_SQL.format(brand_filter=brand_filter, judged=JUDGED[population]), params).fetchnumpy()
    firsts = con.execute(_FIRST_SQL.format(where=where), {k: v for k, v in params.items() if k == "brands"}).fetchall()

    first_hour, end_hour = epoch_hour(start), epoch_hour(end)
    hours = end_hour - first_hour
    scope_names = sorted({(b, s if s is not None else ALL) for b, s, _ in firsts})
    index = {s: i for i, s in enumerate(scope_names)}
    hourly = np.zeros((len(scope_names), hours, len(METRICS)))
    if len(cols["brand"]):
        sources = [s if isinstance(s, str) else ALL for s in cols["source"].tolist()]
        scope_idx = np.fromiter((index[(b, s)] for b, s in zip(cols["brand"].tolist(), sources, strict=True)), dtype=np.int64)
        hour_idx = np.asarray(cols["hour"], dtype=np.int64) - first_hour
        for m, name in enumerate(METRICS):
            hourly[scope_idx, hour_idx, m] = np.asarray(cols[name], dtype=float)

    hour_day = np.empty(hours, dtype=np.int64)
    for h in range(hours):
        hour_day[h] = (local_day(hour_start(first_hour + h)) - first_day).days
    days = (last_day - first_day).days + 1
    daily = np.zeros((len(scope_names), days, len(METRICS)))
    np.add.at(daily, (slice(None), hour_day), hourly)
    weekday = np.array([(first_day + timedelta(days=d)).weekday() for d in range(days)])
    first_mention = np.zeros(len(scope_names), dtype=np.int64)
    for b, s, first in firsts:
        first_mention[index[(b, s if s is not None else ALL)]] = (local_day(first) - first_day).days
    return History(scope_names, first_hour, hourly, first_day, hour_day, daily, weekday, first_mention)
