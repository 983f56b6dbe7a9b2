"""Adapt the head to a brand's own reviews (distant supervision from star ratings).

Most crawled reviews carry the author's own verdict as stars. A head fitted to them learns
the brand's domain (its products, its customers' way of praising and complaining) that no
generic training set covers. The adapted head starts from the shipped head and is pulled
towards it (an L2 prior, not towards zero), so what the brand's reviews do not show (the
neutral class of posts and news, other languages) is kept.

Honest comparison: every review is scored by a head that did not see it (cross-fitting over
folds grouped by author, so one person's reviews never sit on both sides), the prior's
strength is chosen inside each training fold, and the base head is scored on the same
reviews. Only an adapted head that is better by a margin should replace the base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .head import fit_logistic, macro_f1
from .labels import LABELS

#: Normalised rating (0 = worst, 1 = best) at or below which a review counts as negative,
#: and at or above which it counts as positive: 1-2 of 5 stars, 4-5 of 5 stars; on a 1-10
#: scale 1-3 and 7-10 (a 7 is a satisfied customer); in between is neutral.
NEGATIVE_AT_MOST = 0.3
POSITIVE_AT_LEAST = 0.65
#: How much more a person's correction counts than a star rating.
CORRECTION_WEIGHT = 5.0
#: Prior strengths tried inside each training fold, on the embedding's own scale (isotropic: see
#: :func:`_fit`).
PRIOR_CANDIDATES = (3e-5, 1e-4, 3e-4, 1e-3, 3e-3)
#: Fewest reviews with a clear verdict (negative or positive) worth adapting to.
MIN_CLEAR_REVIEWS = 60


class AdaptError(ValueError):
    """Too little or one-sided data to adapt and compare honestly."""


def label_from_rating(normalised: float) -> str:
    """neg / neu / pos from a rating normalised to [0, 1] (see the thresholds above)."""
    if normalised <= NEGATIVE_AT_MOST:
        return "neg"
    if normalised >= POSITIVE_AT_LEAST:
        return "pos"
    return "neu"


@dataclass(frozen=True)
class AdaptReport:
    """Cross-fitted comparison of the base and the adapted head on the same reviews."""

    n_examples: int  # rows the head learns from (rated reviews and corrected mentions)
    n_clear: int  # of which negative or positive: the accuracy is measured on these
    n_neutral: int
    n_corrections: int
    folds: int
    base_accuracy: float  # neg vs pos, pos when p_pos >= p_neg (as `klantstem eval`)
    adapted_accuracy: float
    base_macro_f1: float  # neg/neu/pos, only meaningful when neutral examples exist
    adapted_macro_f1: float
    prior_strength: float  # chosen on all data, for the final head

    @property
    def gain(self) -> float:
        return self.adapted_accuracy - self.base_accuracy

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "gain": round(self.gain, 4)}


def _probabilities(features: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    logits = features @ weight.T + bias
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def clear_accuracy(gold: np.ndarray, probs: np.ndarray) -> float:
    """Binary accuracy on the clear examples: positive when p_pos >= p_neg."""
    clear = gold != 1
    pred = np.where(probs[clear, 2] >= probs[clear, 0], 2, 0)
    return float(np.mean(pred == gold[clear])) if clear.any() else float("nan")


def _fit(features: np.ndarray, labels: np.ndarray, strength: float, weights: np.ndarray,
         base: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The head pulled towards ``base`` by an isotropic prior (on the embedding itself, not
    standardised). A standardised prior lets the weights on directions in which the brand's few
    reviews barely vary grow cheaply: the fit is ill-conditioned there and took 1.5-1.6x as long
    on 2,000 reviews for the same held-out accuracy (docs/sentiment.md, model adapt)."""
    return fit_logistic(features, labels, strength, sample_weight=weights, prior=base, standardise=False)


def _fold_of(groups: Sequence[str], folds: int) -> np.ndarray:
    unique = sorted(set(groups))
    rng = np.random.default_rng(0)
    fold_of_group = {g: i % folds for i, g in enumerate(rng.permutation(unique))}
    return np.array([fold_of_group[g] for g in groups])


def _choose_prior(features: np.ndarray, labels: np.ndarray, weights: np.ndarray, groups: Sequence[str],
                  base: tuple[np.ndarray, np.ndarray], candidates: Sequence[float], folds: int = 3) -> float:
    """Prior strength with the best grouped-CV accuracy (ties: the stronger prior, closer to the base)."""
    fold = _fold_of(groups, folds)
    best, best_acc = max(candidates), -1.0
    for strength in sorted(candidates, reverse=True):
        probs = np.zeros((len(labels), len(LABELS)))
        for k in range(folds):
            train, test = fold != k, fold == k
            if not test.any() or len(set(labels[train])) < 2:
                continue
            w, b = _fit(features[train], labels[train], strength, weights[train], base)
            probs[test] = _probabilities(features[test], w, b)
        acc = clear_accuracy(labels, probs)
        if acc > best_acc + 1e-9:
            best, best_acc = strength, acc
    return best


def cross_fitted(
    features: np.ndarray, y: np.ndarray, weights: np.ndarray, groups: Sequence[str],
    base: tuple[np.ndarray, np.ndarray], *, folds: int = 5, candidates: Sequence[float] = PRIOR_CANDIDATES,
    train_limit: int | None = None,
) -> np.ndarray:
    """Each text's probabilities from a head fitted without its group's texts, the prior strength
    chosen inside each training fold.

    ``train_limit`` fits each fold on only that many of its training texts (a fixed random draw):
    how accuracy grows with the number of rated reviews (``benchmarks/bench_adapt.py --curve``).
    """
    fold, rng = _fold_of(groups, folds), np.random.default_rng(0)
    probs = np.zeros((len(y), len(LABELS)))
    for k in range(folds):
        test = fold == k
        if not test.any():
            continue
        train = np.flatnonzero(~test)
        if train_limit is not None and train_limit < len(train):
            train = rng.choice(train, size=train_limit, replace=False)
        strength = _choose_prior(features[train], y[train], weights[train], [groups[i] for i in train], base,
                                 candidates)
        probs[test] = _probabilities(features[test], *_fit(features[train], y[train], strength, weights[train], base))
    return probs


def adapt_head(
    features: np.ndarray,
    labels: Sequence[str],
    groups: Sequence[str],
    base: tuple[np.ndarray, np.ndarray],
    *,
    corrected: Sequence[bool] | None = None,
    folds: int = 5,
    candidates: Sequence[float] = PRIOR_CANDIDATES,
) -> tuple[tuple[np.ndarray, np.ndarray], AdaptReport]:
    """Cross-fit, compare with ``base`` and fit the final adapted head on everything.

    ``features`` are the scorer's sentence embeddings of the texts, ``labels`` neg/neu/pos
    (from stars, or from a correction where ``corrected``), ``groups`` who wrote each text
    (texts of one group are kept in one fold). Returns the adapted (weight, bias) and the report.
    """
    y = np.array([LABELS.index(label) for label in labels])
    is_corrected = np.zeros(len(y), dtype=bool) if corrected is None else np.asarray(corrected, dtype=bool)
    weights = np.where(is_corrected, CORRECTION_WEIGHT, 1.0)
    n_clear = int(np.sum(y != 1))
    if n_clear < MIN_CLEAR_REVIEWS or not ({0, 2} <= set(y.tolist())):
        raise AdaptError(f"need at least {MIN_CLEAR_REVIEWS} rated reviews with both negative and positive "
                         f"verdicts to adapt and compare; found {int(np.sum(y == 0))} negative and "
                         f"{int(np.sum(y == 2))} positive")
    fold = _fold_of(groups, folds)
    if len(set(fold.tolist())) < 2:
        raise AdaptError(f"need rated reviews by at least 2 different authors: each review is scored by a "
                         f"head fitted without its author's reviews; found {len(set(groups))}")
    adapted = cross_fitted(features, y, weights, groups, base, folds=folds, candidates=candidates)
    base_probs = _probabilities(features, *base)
    strength = _choose_prior(features, y, weights, groups, base, candidates)
    final = _fit(features, y, strength, weights, base)
    report = AdaptReport(
        n_examples=len(y), n_clear=n_clear, n_neutral=int(np.sum(y == 1)), n_corrections=int(is_corrected.sum()),
        folds=folds,
        base_accuracy=round(clear_accuracy(y, base_probs), 4), adapted_accuracy=round(clear_accuracy(y, adapted), 4),
        base_macro_f1=round(macro_f1(y, base_probs.argmax(1), len(LABELS)), 4),
        adapted_macro_f1=round(macro_f1(y, adapted.argmax(1), len(LABELS)), 4),
        prior_strength=strength,
    )
    return final, report
