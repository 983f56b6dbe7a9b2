"""Map a classifier's own labels onto the project's three classes and a [-1, 1] score.

Hub models disagree on label names ("Negative", "1 star", "LABEL_2"), and the warehouse
must store one scale whatever model produced it. Every output class is therefore given a
polarity in [-1, 1]; the score is the probability-weighted polarity and the class
probabilities are summed into neg (< 0), neu (0) and pos (> 0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

LABELS = ("neg", "neu", "pos")

_NAMED = {
    "negative": -1.0, "neg": -1.0, "negatief": -1.0,
    "neutral": 0.0, "neu": 0.0, "neutraal": 0.0,
    "positive": 1.0, "pos": 1.0, "positief": 1.0,
}
_STARS = re.compile(r"^([1-9])\s*stars?$")


class LabelMappingError(ValueError):
    """A model's label cannot be placed on the neg/neu/pos scale."""


@dataclass(frozen=True)
class LabelMap:
    """Polarity per output index of a classifier (index order of its logits)."""

    polarities: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.polarities) < 2 or any(not -1.0 <= p <= 1.0 for p in self.polarities):
            raise LabelMappingError(f"polarities must be >= 2 values in [-1, 1], got {self.polarities}")

    @classmethod
    def from_id2label(
        cls,
        id2label: Mapping[int, str],
        model: str,
        overrides: Mapping[str, float] | None = None,
    ) -> LabelMap:
        """Build the map from a transformers ``config.id2label``.

        ``overrides`` (label name -> polarity) comes from the registry for models whose
        names say nothing (``LABEL_0``); otherwise names are recognised as
        negative/neutral/positive (English or Dutch) or "N star(s)". An unknown name is
        an error naming model and label, never a silent guess.
        """
        ids = sorted(int(i) for i in id2label)
        if ids != list(range(len(ids))):
            raise LabelMappingError(f"model {model!r}: id2label ids must be 0..n-1, got {ids}")
        names = [str(id2label[i]) for i in ids]
        star_counts = [int(m.group(1)) for n in names if (m := _STARS.match(n.strip().lower()))]
        n_stars = max(star_counts) if len(star_counts) == len(names) else 0
        polarities = []
        for name in names:
            key = name.strip().lower()
            if overrides is not None and name in overrides:
                polarities.append(float(overrides[name]))
            elif key in _NAMED:
                polarities.append(_NAMED[key])
            elif n_stars >= 2 and (m := _STARS.match(key)):
                polarities.append(2.0 * (int(m.group(1)) - 1) / (n_stars - 1) - 1.0)
            else:
                raise LabelMappingError(
                    f"model {model!r}: label {name!r} has no known sentiment meaning; "
                    "give the model a registry entry with a label mapping"
                )
        return cls(tuple(polarities))

    def collapse(self, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities [n, k] -> (p_neg/p_neu/p_pos [n, 3], score [n])."""
        pol = np.asarray(self.polarities, dtype=np.float64)
        buckets = np.stack([pol < 0, pol == 0, pol > 0], axis=1).astype(np.float64)
        return probs @ buckets, np.clip(probs @ pol, -1.0, 1.0)


def argmax_label(p3: Sequence[float]) -> str:
    """neg/neu/pos by highest probability; ties resolve towards neutral, then negative."""
    order = (1, 0, 2)  # neu first, then neg, then pos wins only when strictly higher
    best = max(order, key=lambda i: (p3[i], -order.index(i)))
    return LABELS[best]
