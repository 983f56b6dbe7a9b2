"""Negative-sentiment spikes: is the share of negative mentions in the last days
significantly above what this brand usually gets?

Per brand, the window (the last ``window_days`` days up to ``as_of``) is compared with the
``baseline_days`` before it by a one-sided exact binomial test. A spike also needs a minimum
volume (five angry tweets out of six is not news) and a minimum rise in share (a tiny but
"significant" rise on huge volume is not actionable either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
from scipy.stats import binomtest

from klantstem.config import SpikeConfig


@dataclass(frozen=True)
class Spike:
    brand: str
    window_start: date
    window_end: date
    negative: int
    scored: int
    share_negative: float
    baseline_share: float
    p_value: float

    def describe(self) -> str:
        return (
            f"{self.brand}: {self.share_negative:.0%} negative ({self.negative}/{self.scored}) "
            f"{self.window_start}..{self.window_end} vs {self.baseline_share:.0%} usual (p={self.p_value:.1e})"
        )


def detect_spikes(con: duckdb.DuckDBPyConnection, rules: SpikeConfig, as_of: date) -> list[Spike]:
    """Brands whose negative share in the window ending ``as_of`` is a spike."""
    window_start = as_of - timedelta(days=rules.window_days - 1)
    baseline_start = window_start - timedelta(days=rules.baseline_days)
    rows = con.execute(
        """
        SELECT brand,
               sum(scored) FILTER (WHERE day >= $window_start)                         AS w_scored,
               sum(share_negative * scored) FILTER (WHERE day >= $window_start)        AS w_negative,
               sum(scored) FILTER (WHERE day < $window_start)                          AS b_scored,
               sum(share_negative * scored) FILTER (WHERE day < $window_start)         AS b_negative
        FROM daily_sentiment
        WHERE source = 'all' AND day BETWEEN $baseline_start AND $as_of AND scored > 0
        GROUP BY brand
        ORDER BY brand
        """,
        {"window_start": window_start, "baseline_start": baseline_start, "as_of": as_of},
    ).fetchall()
    spikes = []
    for brand, w_scored, w_negative, b_scored, b_negative in rows:
        if not w_scored or w_scored < rules.min_volume or not b_scored:
            continue
        negative = round(w_negative)
        # Laplace smoothing: a brand with no negative mention in the baseline still has
        # a non-zero expected share, so one complaint is not an infinitely unlikely event.
        baseline_share = (b_negative + 1) / (b_scored + 2)
        share = negative / w_scored
        if share - baseline_share < rules.min_lift:
            continue
        p_value = binomtest(negative, int(w_scored), baseline_share, alternative="greater").pvalue
        if p_value <= rules.max_p_value:
            spikes.append(
                Spike(brand, window_start, as_of, negative, int(w_scored), share, baseline_share, p_value)
            )
    return spikes
