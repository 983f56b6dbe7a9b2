"""What a person needs to judge an alert: top terms, example mentions with links, and
(for a brand-wide alert) which sources the mentions came from.

All alerts of a run are served by one query over ``mentions_scored`` (the view ranks every
score, so each evaluation of it costs about as much as a scan of the scores table): the
windows' mentions, and the baselines' *focus* mentions (negative, or low-rated), plus all
baseline mentions of brands with a volume alert, whose terms are compared with everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb

from alerts.findings import Finding, Key
from alerts.history import ALL, day_start
from alerts.rules import Focus, rule
from alerts.terms import Term, over_represented, tokens

LOW_RATING = 0.25  # normalised: 1 or 2 stars out of 5
_BASELINE_LIMIT = 5000  # most recent baseline mentions compared per alert
SAMPLE_IDS = 10


@dataclass(frozen=True)
class Example:
    mention_id: str
    source: str
    url: str | None
    published_at: datetime
    text: str
    rating_normalised: float | None

    def snippet(self, width: int = 160) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= width else text[: width - 1].rstrip() + "…"


@dataclass(frozen=True)
class Details:
    terms: list[Term]
    examples: list[Example]  # ranked; the first ``examples`` go into the message
    by_source: list[tuple[str, int]]  # focus mentions per source in the window, most first

    @property
    def sample_ids(self) -> list[str]:
        return [e.mention_id for e in self.examples[:SAMPLE_IDS]]


@dataclass(frozen=True)
class _Row:
    mention_id: str
    brand: str
    source: str
    url: str | None
    published_at: datetime
    text: str
    rating_normalised: float | None
    sentiment: str | None
    population: str


def _in_focus(focus: Focus | None, row: _Row, population: str) -> bool:
    """The mentions an alert is about (its rule's ``focus``): invited ones, else of the judged
    population the negative ones, low-rated ones, or all."""
    if focus == "invited":
        return row.population == "invited"
    if population == "organic" and row.population != "organic":
        return False
    if focus == "negative":
        return row.sentiment == "neg"
    if focus == "low_rating":
        return row.rating_normalised is not None and row.rating_normalised <= LOW_RATING
    return True


def details_for(con: duckdb.DuckDBPyConnection, findings: Sequence[Finding], top_terms: int = 5,
                population: str = "organic") -> dict[Key, Details]:
    """Top over-represented terms of each finding's focus mentions in its window vs its
    baseline, and example mentions ranked by how many of those terms they use. ``population``
    is the one the rules judged (``AlertConfig.population``)."""
    if not findings:
        return {}
    lo = min(day_start(f.baseline_first_day) for f in findings)
    hi = max(f.window.end for f in findings)
    window_lo = min(f.window.start for f in findings)
    brands = sorted({f.brand for f in findings})
    everything = sorted({f.brand for f in findings if rule(f.rule).focus in ("all", "invited")})
    rows = [
        _Row(*r)
        for r in con.execute(
            f"""
            SELECT mention_id, brand, source, url, published_at,
                   concat_ws('. ', nullif(trim(title), ''), text) AS body, rating_normalised, sentiment, population
            FROM mentions_scored
            WHERE list_contains($brands, brand) AND published_at >= $lo AND published_at < $hi
              AND (published_at >= $window_lo OR sentiment = 'neg' OR rating_normalised <= {LOW_RATING}
                   OR list_contains($everything, brand))
            ORDER BY published_at DESC, mention_id
            """,
            {"brands": brands, "lo": lo, "hi": hi, "window_lo": window_lo, "everything": everything},
        ).fetchall()
    ]
    result = {}
    for f in findings:
        mine = [r for r in rows if r.brand == f.brand and f.source in (ALL, r.source) and _in_focus(rule(f.rule).focus, r, population)]
        window = [r for r in mine if f.window.start <= r.published_at < f.window.end]
        b_lo, b_hi = day_start(f.baseline_first_day), day_start(f.baseline_last_day + timedelta(days=1))
        baseline = [r for r in mine if b_lo <= r.published_at < b_hi][:_BASELINE_LIMIT]
        terms = over_represented((r.text for r in window), (r.text for r in baseline), top=top_terms) if top_terms else []
        wanted = {t.term for t in terms}
        examples = [Example(r.mention_id, r.source, r.url, r.published_at, r.text, r.rating_normalised) for r in window]
        examples.sort(key=lambda e: -len(wanted & set(tokens(e.text))))  # stable: most recent first on ties
        counts: dict[str, int] = {}
        for r in window:
            counts[r.source] = counts.get(r.source, 0) + 1
        result[f.key] = Details(terms, examples, sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return result


def finding_details(con: duckdb.DuckDBPyConnection, f: Finding, top_terms: int = 5) -> Details:
    """Details of one finding (see ``details_for``)."""
    return details_for(con, [f], top_terms)[f.key]
