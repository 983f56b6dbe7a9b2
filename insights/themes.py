"""Complaint themes: a brand's negative mentions grouped by meaning, without a word list.

Per brand, the negative mentions of the last ``window_days + baseline_days`` days that have a
stored sentence embedding, and the negative aspect sentences of the other mentions (a complaint
inside a mixed or positive review: "snel geleverd, maar de retour duurde weken"), copies left
out (``mention_copies``), are clustered with
scikit-learn's agglomerative clustering (average linkage on cosine distance, cut at
``DISTANCE``): no number of themes to choose, and a complaint phrased twenty ways lands in
one cluster because the embeddings, not the words, are compared. Each cluster with at least
``min_mentions`` voices is a theme:

* named by its most distinctive words: the words (and two-word phrases) whose share of the
  theme's mentions exceeds their share of the brand's other negative mentions the most;
* shown by its most typical mention (the one closest to the centroid);
* tracked across refreshes: a theme whose centroid is within ``SAME_THEME`` cosine of a
  theme of the previous refresh keeps that theme's id (and its ``first_seen``);
* tested for growth like the emerging-topics rule (``insights/emerging.py``): its share of
  the brand's negative voices (distinct mentions: a review with two complaint sentences in
  one theme is one voice) this week against the weeks before (smoothed), a one-sided
  exact binomial test, Benjamini-Hochberg over the brand's themes; it grows when q <= max_q
  and the share is at least ``min_lift`` times the baseline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

from insights.db import insert_table
from warehouse.connection import transaction
from warehouse.embeddings import EMBEDDING_DIM

#: Average-linkage cut: mentions in one theme are on average at least 1 - DISTANCE alike
#: (e5 puts unrelated Dutch reviews around 0.80 and rephrasings of one complaint above 0.90).
DISTANCE = 0.10
#: A theme of the previous refresh is the same theme when the centroids are this alike.
SAME_THEME = 0.95
#: Above this many mentions per brand, k-means (k = mentions / 25) replaces the pairwise
#: clustering, whose memory grows with the square of the mentions.
MAX_PAIRWISE = 4000
TERMS_PER_THEME = 4

_STOPWORDS = Path(__file__).with_name("stopwords_nl.txt")


@dataclass
class Theme:
    brand: str
    theme_id: int
    terms: str
    example_id: str
    example: str
    centroid: np.ndarray
    window_voices: int
    window_negative: int
    baseline_voices: int
    baseline_negative: int
    weekly_voices: list[int]
    first_seen: date | None = None
    window_share: float = 0.0
    baseline_share: float = 0.0
    lift: float = 0.0
    p_value: float = 1.0
    q_value: float = 1.0
    growing: bool = False


def stopwords() -> frozenset[str]:
    words = [w for line in _STOPWORDS.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#") for w in line.split()]
    return frozenset(words)


def cluster(vectors: np.ndarray, distance: float = DISTANCE, seed: int = 0) -> np.ndarray:
    """A cluster label per row of L2-normalised ``vectors``."""
    from sklearn.cluster import AgglomerativeClustering, KMeans

    if len(vectors) == 1:
        return np.zeros(1, dtype=np.int64)
    if len(vectors) > MAX_PAIRWISE:
        return KMeans(n_clusters=len(vectors) // 25, init="random", random_state=seed, n_init=1).fit_predict(vectors)
    return AgglomerativeClustering(n_clusters=None, distance_threshold=distance, metric="cosine",
                                   linkage="average").fit_predict(vectors)


def distinctive_terms(texts: list[str], labels: np.ndarray, label: int, stop: frozenset[str],
                      count: int = TERMS_PER_THEME) -> list[str]:
    """Words and two-word phrases most over-represented in cluster ``label`` against the rest:
    share of the cluster's texts containing the term minus its share of the other texts."""
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(token_pattern=r"(?u)\b[^\W\d_]{3,}\b", stop_words=sorted(stop), ngram_range=(1, 2),
                                 binary=True, lowercase=True)
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stopwords
        return []
    inside = labels == label
    share_in = np.asarray(counts[inside].mean(axis=0)).ravel()
    share_out = np.asarray(counts[~inside].mean(axis=0)).ravel() if (~inside).any() else np.zeros_like(share_in)
    lift = share_in - share_out
    lift[np.asarray(counts[inside].sum(axis=0)).ravel() < 2] = -1.0  # a word of one mention names nothing
    names = vectorizer.get_feature_names_out()
    chosen: list[str] = []
    for i in np.argsort(-lift, kind="stable"):
        if lift[i] <= 0 or len(chosen) == count:
            break
        term = str(names[i])
        if any(term in c or c in term for c in chosen):  # "pakket" and "pakket kwijt": keep the first
            continue
        chosen.append(term)
    return chosen


def compute_themes(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    window_days: int = 7,
    baseline_days: int = 28,
    min_mentions: int = 3,
    min_lift: float = 2.0,
    max_q: float = 0.05,
    distance: float = DISTANCE,
    exclude: frozenset[str] = frozenset(),
) -> tuple[date, str | None, list[Theme]]:
    """(window_start, model id, themes) for every brand with negative mentions in the period;
    ``exclude``: words that never name a theme (the brands' names: every complaint has them)."""
    window_start = as_of - timedelta(days=window_days - 1)
    start = window_start - timedelta(days=baseline_days)
    table = con.sql(
        """
        SELECT e.brand, e.mention_id, e.day, e.model_id, e.embedding,
               concat_ws('. ', nullif(trim(m.title), ''), m.text) AS body, e.published_at, 0 AS sentence_no
        FROM mention_embeddings AS e
        JOIN mentions AS m USING (mention_id)
        ANTI JOIN mention_copies AS c USING (mention_id)
        WHERE e.sentiment = 'neg' AND e.day BETWEEN $start AND $as_of
        UNION ALL
        SELECT ms.brand, s.mention_id, ms.day, s.model_id, s.embedding, s.sentence, ms.published_at, s.sentence_no
        FROM aspect_sentence_embeddings AS s
        JOIN mentions_scored AS ms USING (mention_id)
        ANTI JOIN mention_copies AS c USING (mention_id)
        WHERE s.label = 'neg' AND ms.sentiment IS DISTINCT FROM 'neg' AND ms.day BETWEEN $start AND $as_of
        ORDER BY brand, published_at, mention_id, sentence_no
        """,
        params={"start": start, "as_of": as_of},
    ).to_arrow_table()
    if table.num_rows == 0:
        return window_start, None, []
    models = table.column("model_id").unique().to_pylist()
    model_id = max(models, key=lambda m: table.column("model_id").to_pylist().count(m))
    stop = stopwords() | exclude
    brands = table.column("brand").to_pylist()
    ids = table.column("mention_id").to_pylist()
    days = table.column("day").to_pylist()
    bodies = table.column("body").to_pylist()
    vectors = np.asarray(table.column("embedding").combine_chunks().flatten(), dtype=np.float32)
    vectors = vectors.reshape(-1, EMBEDDING_DIM)
    same_model = np.array([m == model_id for m in table.column("model_id").to_pylist()])
    themes: list[Theme] = []
    for brand in dict.fromkeys(brands):
        rows = np.array([i for i, b in enumerate(brands) if b == brand and same_model[i]])
        if len(rows) < min_mentions:
            continue
        in_window = np.array([days[i] >= window_start for i in rows])
        n1, n0 = _voices(ids, rows[in_window]), _voices(ids, rows[~in_window])
        labels = cluster(vectors[rows], distance)
        texts = [bodies[i] for i in rows]
        brand_themes = []
        for label in np.unique(labels):
            members = labels == label
            if members.sum() < min_mentions:
                continue
            centroid = vectors[rows][members].mean(axis=0)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
            closest = rows[members][int(np.argmax(vectors[rows][members] @ centroid))]
            weeks = [0] * ((window_days + baseline_days + 6) // 7)
            first_row = {}  # one voice per mention
            for i in rows[members]:
                first_row.setdefault(ids[i], i)
            for i in first_row.values():
                back = (as_of - days[i]).days // 7
                if back < len(weeks):
                    weeks[len(weeks) - 1 - back] += 1
            terms = distinctive_terms(texts, labels, int(label), stop)
            brand_themes.append(Theme(
                brand=brand, theme_id=-1, terms=", ".join(terms), example_id=ids[closest],
                example=bodies[closest][:300], centroid=centroid,
                window_voices=_voices(ids, rows[members & in_window]), window_negative=n1,
                baseline_voices=_voices(ids, rows[members & ~in_window]), baseline_negative=n0,
                weekly_voices=weeks,
            ))
        _test_growth(brand_themes, min_mentions=min_mentions, min_lift=min_lift, max_q=max_q)
        themes.extend(brand_themes)
    _track(con, as_of, themes)
    return window_start, model_id, themes


def _voices(ids: list[str], rows: np.ndarray) -> int:
    """Distinct mentions among ``rows``: a review counts once however many of its sentences."""
    return len({ids[i] for i in rows})


def _test_growth(themes: list[Theme], *, min_mentions: int, min_lift: float, max_q: float) -> None:
    """The emerging-topics test on each theme's share of the brand's negative voices."""
    if not themes:
        return
    k1 = np.array([t.window_voices for t in themes])
    k0 = np.array([t.baseline_voices for t in themes])
    n1, n0 = themes[0].window_negative, themes[0].baseline_negative
    p0 = (k0 + 0.5) / (n0 + 1)
    p = stats.binom.sf(k1 - 1, n1, p0) if n1 else np.ones(len(themes))
    q = stats.false_discovery_control(p) if len(p) > 1 else p
    for t, pi, qi, base in zip(themes, p, q, p0, strict=True):
        t.window_share = t.window_voices / n1 if n1 else 0.0
        t.baseline_share = float(base)
        t.lift = t.window_share / float(base)
        t.p_value, t.q_value = float(pi), float(qi)
        t.growing = bool(t.window_voices >= min_mentions and qi <= max_q and t.lift >= min_lift)


def _track(con: duckdb.DuckDBPyConnection, as_of: date, themes: list[Theme]) -> None:
    """Give each theme the id of the closest theme of the brand's previous refresh (when
    within ``SAME_THEME``; each old theme goes to one new theme at most), else a new id."""
    previous = con.execute(
        """SELECT brand, theme_id, centroid, first_seen FROM theme_clusters
           WHERE as_of = (SELECT max(as_of) FROM theme_clusters WHERE as_of < $as_of)""",
        {"as_of": as_of},
    ).fetchall()
    next_id = con.execute("SELECT coalesce(max(theme_id), 0) + 1 FROM theme_clusters WHERE as_of <> ?",
                          [as_of]).fetchall()[0][0]
    pairs = []
    for i, t in enumerate(themes):
        for j, (brand, _, centroid, _) in enumerate(previous):
            if brand == t.brand:
                similarity = float(np.dot(t.centroid, np.asarray(centroid, dtype=np.float32)))
                if similarity >= SAME_THEME:
                    pairs.append((similarity, i, j))
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i in taken_new or j in taken_old:
            continue
        taken_new.add(i)
        taken_old.add(j)
        themes[i].theme_id, themes[i].first_seen = previous[j][1], previous[j][3]
    for t in themes:
        if t.theme_id < 0:
            t.theme_id, t.first_seen = next_id, as_of
            next_id += 1


def store_themes(con: duckdb.DuckDBPyConnection, as_of: date, window_start: date, model_id: str | None,
                 themes: list[Theme]) -> None:
    """Replace the rows for ``as_of`` (earlier refreshes are kept: the themes' history)."""
    data = pa.table({
        "as_of": pa.array([as_of] * len(themes), pa.date32()),
        "brand": [t.brand for t in themes],
        "theme_id": pa.array([t.theme_id for t in themes], pa.int32()),
        "model_id": [model_id or ""] * len(themes),
        "terms": [t.terms for t in themes],
        "example_id": [t.example_id for t in themes],
        "example": [t.example for t in themes],
        "centroid": pa.FixedSizeListArray.from_arrays(
            pa.array(np.concatenate([t.centroid for t in themes]).astype(np.float32) if themes else [], pa.float32()),
            EMBEDDING_DIM),
        "first_seen": pa.array([t.first_seen for t in themes], pa.date32()),
        "window_start": pa.array([window_start] * len(themes), pa.date32()),
        **{name: pa.array([getattr(t, name) for t in themes], pa.int32())
           for name in ("window_voices", "window_negative", "baseline_voices", "baseline_negative")},
        **{name: pa.array([getattr(t, name) for t in themes], pa.float64())
           for name in ("window_share", "baseline_share", "lift", "p_value", "q_value")},
        "growing": pa.array([t.growing for t in themes], pa.bool_()),
        "weekly_voices": pa.array([t.weekly_voices for t in themes], pa.list_(pa.int32())),
    })
    with transaction(con):
        con.execute("DELETE FROM theme_clusters WHERE as_of = ?", [as_of])
        insert_table(con, "theme_clusters", data, extra={"computed_at": "now()"})


def themes_report(con: duckdb.DuckDBPyConnection, brand: str | None = None) -> str:
    """``klantstem insights themes``: the latest refresh's themes per brand, growing first."""
    rows = con.execute(
        """SELECT as_of, brand, theme_id, terms, window_voices, baseline_voices, lift, q_value, growing,
                  weekly_voices, example
           FROM complaint_themes WHERE $brand IS NULL OR brand = $brand""",
        {"brand": brand},
    ).fetchall()
    if not rows:
        return "Nog geen klachtthema's: draai `klantstem insights refresh` (er zijn opgeslagen embeddings nodig)."
    lines = [f"Klachtthema's (negatieve vermeldingen gegroepeerd naar betekenis), week tot en met {rows[0][0]}:"]
    current = None
    for _, b, theme_id, terms, w, base, lift, q, growing, weeks, example in rows:
        if b != current:
            lines += ["", f"{b}:"]
            current = b
        flag = "GROEIT " if growing else "       "
        example = re.sub(r"\s+", " ", example)
        lines.append(f"  {flag}#{theme_id:<4} {terms or '(geen kenmerkende woorden)'}")
        lines.append(f"          deze week {w}, weken ervoor {base} (per week {' '.join(map(str, weeks))}), "
                     f"lift {lift:.1f}, q={q:.2g}")
        lines.append(f"          bv. \"{example[:140]}\"")
    return "\n".join(lines)
