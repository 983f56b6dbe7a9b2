"""Key driver analysis: which aspect's sentiment moves the review grade, and by how much.

For every review with a rating (grade 1-10, see the ``mention_grades`` view), each aspect
gets a value: the aspect's sentiment score in that review (-1..1, mean over the sentences
that mention it) or 0 when the review does not mention it. Then, per brand:

* ``coefficient``: ordinary least squares of grade on all aspect values at once: how many
  grade points a review moves per unit of aspect sentiment, the other aspects fixed (with
  standard error and two-sided p-value);
* ``relative_weight``: Johnson's (2000) relative weights, the share of the explained
  variance (R^2) each aspect carries. Unlike raw coefficients it stays meaningful when aspects
  are correlated (reviews that complain about delivery often complain about service too);
* ``gain_if_fixed``: coefficient x the mean, over all rated reviews, of how negative the
  aspect was (max(0, -value)): the rise of the mean grade if every negative judgement of
  the aspect became neutral. That is the "which fix raises satisfaction most" number.

"Alle merken" pools all brands with a fixed effect per brand (values centred per brand), so
a brand that is simply rated higher does not pass for an aspect effect.

Per language (``by_language``): the same models per brand and language group
(``mention_languages``: French customers may weigh delivery differently from Dutch ones),
and per language all brands pooled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import duckdb
import numpy as np
from scipy import stats

from insights.db import insert_rows
from warehouse.connection import transaction

ALL_BRANDS = "Alle merken"


@dataclass(frozen=True)
class DriverRow:
    brand: str
    aspect: str
    reviews: int
    mentioned: int
    coefficient: float
    std_error: float | None
    p_value: float | None
    relative_weight: float | None
    r_squared: float
    mean_score: float | None
    share_negative: float | None
    gain_if_fixed: float
    language: str | None = None  # the language group, for the per-language models


def relative_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's relative weights (raw: they sum to R^2) of the columns of ``x`` for ``y``."""
    xs = (x - x.mean(0)) / x.std(0)
    ys = (y - y.mean()) / y.std()
    n = len(y)
    rxx = xs.T @ xs / n
    rxy = xs.T @ ys / n
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 1e-12, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T  # correlations of X with its orthogonal twin Z
    beta_z = np.linalg.solve(lam, rxy)               # regression of y on Z
    return (lam**2) @ (beta_z**2)


def fit_drivers(
    brand: str,
    y: np.ndarray,
    x: np.ndarray,
    negative: np.ndarray,
    mentioned: np.ndarray,
    aspects: list[str],
    groups: np.ndarray | None = None,
    min_reviews: int = 30,
    min_mentions: int = 5,
) -> list[DriverRow]:
    """One brand's (or the pooled) model. ``x``: aspect values (0 = not mentioned),
    ``mentioned``/``negative``: booleans of the same shape, ``groups``: brand per review
    for the pooled fixed-effects model."""
    keep = [j for j in range(len(aspects)) if mentioned[:, j].sum() >= min_mentions and x[:, j].std() > 0]
    n = len(y)
    n_groups = 1 if groups is None else len(np.unique(groups))
    dof = n - len(keep) - n_groups
    if not keep or n < min_reviews or dof < 1 or y.std() == 0:
        return []
    xk = x[:, keep]
    if groups is None:
        xd, yd = xk - xk.mean(0), y - y.mean()
    else:
        xd, yd = xk.copy(), y.astype(float).copy()
        for g in np.unique(groups):
            rows = groups == g
            xd[rows] -= xd[rows].mean(0)
            yd[rows] -= yd[rows].mean()
    beta, *_ = np.linalg.lstsq(xd, yd, rcond=None)
    resid = yd - xd @ beta
    rss, tss = float(resid @ resid), float(yd @ yd)
    r2 = 1 - rss / tss if tss > 0 else 0.0
    cov = (rss / dof) * np.linalg.pinv(xd.T @ xd)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, beta / se, np.nan)
    p = 2 * stats.t.sf(np.abs(t), dof)
    try:
        raw_rw = relative_weights(xd, yd) if len(keep) > 1 else np.array([r2])
        total = raw_rw.sum()
        rw = raw_rw / total if total > 0 else np.full(len(keep), np.nan)
    except np.linalg.LinAlgError:
        rw = np.full(len(keep), np.nan)
    rows = []
    for i, j in enumerate(keep):
        where = mentioned[:, j]
        lack = np.clip(-x[:, j], 0, None).mean()
        rows.append(
            DriverRow(
                brand=brand,
                aspect=aspects[j],
                reviews=n,
                mentioned=int(where.sum()),
                coefficient=float(beta[i]),
                std_error=_finite(se[i]),
                p_value=_finite(p[i]),
                relative_weight=_finite(rw[i]),
                r_squared=float(r2),
                mean_score=float(x[where, j].mean()),
                share_negative=float(negative[where, j].mean()),
                gain_if_fixed=float(max(beta[i], 0.0) * lack),
            )
        )
    return rows


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def compute_key_drivers(con: duckdb.DuckDBPyConnection, min_reviews: int = 30, min_mentions: int = 5,
                        by_language: bool = False) -> list[DriverRow]:
    """Fit every brand with enough rated reviews, and all brands pooled: organic reviews only
    (docs/provenance.md), since invited customers grade differently and their share moves with
    the company's campaigns. ``by_language``: also the same models per language group (rows
    with ``language`` set), from the same data read once."""
    language = "l.language" if by_language else "CAST(NULL AS VARCHAR)"
    join = "LEFT JOIN mention_languages AS l USING (mention_id)" if by_language else ""
    reviews = con.execute(
        f"""SELECT g.mention_id, g.brand, g.grade_value, {language} FROM mention_grades AS g {join}
            WHERE g.population = 'organic' ORDER BY g.brand, g.mention_id"""
    ).fetchall()
    if not reviews:
        return []
    aspect_rows = con.execute(
        """
        SELECT t.mention_id, t.aspect, avg(s.score) AS score,
               avg(s.p_neg) >= greatest(avg(s.p_neu), avg(s.p_pos)) OR (avg(s.p_neg) IS NULL AND avg(s.score) <= -1.0 / 3)
        FROM aspect_tags AS t
        JOIN aspect_sentences AS s USING (mention_id, sentence_no)
        WHERE s.score IS NOT NULL
          AND t.mention_id IN (SELECT mention_id FROM mention_grades WHERE population = 'organic')
        GROUP BY t.mention_id, t.aspect
        """
    ).fetchall()
    aspects = sorted({r[1] for r in aspect_rows})
    if not aspects:
        return []
    index = {r[0]: i for i, r in enumerate(reviews)}
    col = {a: j for j, a in enumerate(aspects)}
    x = np.zeros((len(reviews), len(aspects)))
    mentioned = np.zeros_like(x, dtype=bool)
    negative = np.zeros_like(x, dtype=bool)
    for mid, aspect, score, is_neg in aspect_rows:
        i, j = index[mid], col[aspect]
        x[i, j], mentioned[i, j], negative[i, j] = score, True, bool(is_neg)
    y = np.array([r[2] for r in reviews], dtype=float)
    brands = np.array([r[1] for r in reviews])
    overall = _fit_brands(np.arange(len(reviews)), y, x, negative, mentioned, aspects, brands, min_reviews, min_mentions)
    rows = list(overall)
    if by_language:
        languages = np.array([r[3] for r in reviews], dtype=object)
        for lang in sorted({v for v in languages if v is not None}):
            subset = np.flatnonzero(languages == lang)
            fitted = overall if len(subset) == len(reviews) else _fit_brands(  # one language: the same models
                subset, y, x, negative, mentioned, aspects, brands, min_reviews, min_mentions)
            rows += [replace(r, language=lang) for r in fitted]
    return rows


def _fit_brands(subset: np.ndarray, y: np.ndarray, x: np.ndarray, negative: np.ndarray, mentioned: np.ndarray,
                aspects: list[str], brands: np.ndarray, min_reviews: int, min_mentions: int) -> list[DriverRow]:
    """Per brand among the reviews ``subset``, and all its brands pooled."""
    by_brand: dict[str, list[int]] = defaultdict(list)
    for i in subset:
        by_brand[brands[i]].append(i)
    rows: list[DriverRow] = []
    for brand, idx in sorted(by_brand.items()):
        sel = np.array(idx)
        rows += fit_drivers(brand, y[sel], x[sel], negative[sel], mentioned[sel], aspects,
                            min_reviews=min_reviews, min_mentions=min_mentions)
    if len(by_brand) > 1:
        rows += fit_drivers(ALL_BRANDS, y[subset], x[subset], negative[subset], mentioned[subset], aspects,
                            groups=brands[subset], min_reviews=min_reviews, min_mentions=min_mentions)
    return rows


def store_key_drivers(con: duckdb.DuckDBPyConnection, rows: list[DriverRow], table: str = "key_drivers") -> None:
    """Replace ``table``'s content in one transaction (``key_drivers_by_language``: rows with
    their language)."""
    columns = ["brand", "aspect", "reviews", "mentioned", "coefficient", "std_error", "p_value",
               "relative_weight", "r_squared", "mean_score", "share_negative", "gain_if_fixed"]
    if table == "key_drivers_by_language":
        columns.append("language")
    with transaction(con):
        con.execute(f"DELETE FROM {table}")
        insert_rows(con, table, columns, [[getattr(r, c) for c in columns] for r in rows], extra={"computed_at": "now()"})
