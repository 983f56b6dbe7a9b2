"""Emerging topics: terms whose share of a brand's organic negative mentions rose this week.

Per brand and language (the lists that read the texts: a French stem is compared with
French complaints only), the window is the last ``window_days`` days up to ``as_of`` and the baseline the
``baseline_days`` before it. For every term (stem or two-word phrase) found in at least
``min_mentions`` negative mentions in the window:

* window share = negative mentions with the term / negative mentions, in the window;
* baseline share = (baseline count + 0.5) / (baseline negatives + 1): smoothed, so a term
  never seen before has a small, non-zero expected share instead of "infinitely new";
* p-value: one-sided exact binomial test of the window count against the baseline share;
* q-value: Benjamini-Hochberg over all terms tested for that brand and language (many terms are tested
  at once; without the correction a few would always look "significant").

A term emerges when q <= ``max_q`` and the share at least ``min_lift`` times the baseline.
A share, not a count, so a week with more negative mentions overall (the spike alert's
business) does not make every term emerge: what rises is the *topic* of the complaints.

Organic mentions only (``population = 'organic'``, docs/provenance.md): reviews the company
invited come in campaigns, and their complaints are about what the invitation follows (the
delivery, the app); a campaign that starts would make those topics "emerge" and one that
stops would hide a topic that is really rising.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
from scipy import stats

from insights.db import insert_rows
from warehouse.connection import transaction


@dataclass(frozen=True)
class EmergingTerm:
    brand: str
    language: str
    term: str
    surface: str
    window_negative: int
    window_count: int
    baseline_negative: int
    baseline_count: int
    window_share: float
    baseline_share: float
    lift: float
    p_value: float
    q_value: float
    significant: bool


def compute_emerging(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    window_days: int = 7,
    baseline_days: int = 28,
    min_mentions: int = 3,
    min_lift: float = 2.0,
    max_q: float = 0.05,
) -> tuple[date, date, list[EmergingTerm]]:
    """(window_start, baseline_start, tested terms) for every brand and language."""
    window_start = as_of - timedelta(days=window_days - 1)
    baseline_start = window_start - timedelta(days=baseline_days)
    params = {"ws": window_start, "bs": baseline_start, "as_of": as_of}
    totals = {
        (brand, language): (w, b)
        for brand, language, w, b in con.execute(
            """
            SELECT ms.brand, t.language, count(*) FILTER (WHERE ms.day >= $ws), count(*) FILTER (WHERE ms.day < $ws)
            FROM mentions_scored AS ms
            JOIN insight_tagged AS t USING (mention_id)
            WHERE ms.sentiment = 'neg' AND ms.population = 'organic' AND ms.day BETWEEN $bs AND $as_of
            GROUP BY ms.brand, t.language
            """,
            params,
        ).fetchall()
    }
    counts = con.execute(
        """
        SELECT ms.brand, t.language, mt.term, mode(mt.surface),
               count(*) FILTER (WHERE ms.day >= $ws) AS k1,
               count(*) FILTER (WHERE ms.day < $ws)  AS k0
        FROM mention_terms AS mt
        JOIN mentions_scored AS ms USING (mention_id)
        JOIN insight_tagged AS t USING (mention_id)
        WHERE ms.sentiment = 'neg' AND ms.population = 'organic' AND ms.day BETWEEN $bs AND $as_of
        GROUP BY ms.brand, t.language, mt.term
        HAVING count(*) FILTER (WHERE ms.day >= $ws) >= $min_mentions
        ORDER BY ms.brand, t.language, mt.term
        """,
        {**params, "min_mentions": min_mentions},
    ).fetchall()
    found: list[EmergingTerm] = []
    by_brand: dict[tuple[str, str], list[tuple[str, str, int, int]]] = {}
    for brand, language, term, surface, k1, k0 in counts:
        by_brand.setdefault((brand, language), []).append((term, surface, k1, k0))
    for (brand, language), rows in by_brand.items():
        n1, n0 = totals.get((brand, language), (0, 0))
        k1 = np.array([r[2] for r in rows])
        k0 = np.array([r[3] for r in rows])
        p0 = (k0 + 0.5) / (n0 + 1)
        p = stats.binom.sf(k1 - 1, n1, p0)
        q = stats.false_discovery_control(p) if len(p) > 1 else p
        share = k1 / n1
        for (term, surface, a, b), pi, qi, s, base in zip(rows, p, q, share, p0, strict=True):
            lift = float(s / base)
            found.append(
                EmergingTerm(brand, language, term, surface, int(n1), int(a), int(n0), int(b), float(s), float(base),
                             lift, float(pi), float(qi), bool(qi <= max_q and lift >= min_lift))
            )
    return window_start, baseline_start, found


def store_emerging(con: duckdb.DuckDBPyConnection, as_of: date, window_start: date, baseline_start: date,
                   terms: list[EmergingTerm]) -> None:
    """Replace the rows for ``as_of`` (earlier dates are kept: last week's topics stay queryable)."""
    fields = ["brand", "language", "term", "surface", "window_negative", "window_count", "baseline_negative",
              "baseline_count", "window_share", "baseline_share", "lift", "p_value", "q_value", "significant"]
    columns = ["as_of", "window_start", "baseline_start", *fields]
    rows = [[as_of, window_start, baseline_start, *(getattr(t, f) for f in fields)] for t in terms]
    with transaction(con):
        con.execute("DELETE FROM emerging_terms WHERE as_of = ?", [as_of])
        insert_rows(con, "emerging_terms", columns, rows, extra={"computed_at": "now()"})
