"""A stand-in for the e5 scorer in fast tests: scores from keywords, embeddings from words.

``WordEmbedder`` hashes each word of a text into one of 384 dimensions and normalises the
counts, so texts sharing words are close and a copy is identical: enough to test storage,
search, near-duplicates and themes without building the model (the slow tests use it).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from warehouse.embeddings import EMBEDDING_DIM

NEGATIVE_WORDS = {"nooit", "kwijt", "laat", "slecht", "boos", "kapot", "niet", "geen", "weer"}


@dataclass(frozen=True)
class FakeScore:
    label: str
    score: float
    p_neg: float
    p_neu: float
    p_pos: float
    language: str | None = "nl"


def word_vector(text: str) -> np.ndarray:
    vector = np.zeros(EMBEDDING_DIM, dtype=np.float32)
    for word in re.findall(r"\w+", text.lower().removeprefix("query: ")):
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % EMBEDDING_DIM] += 1.0
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


class WordEmbedder:
    """``score`` / ``score_with_embeddings`` like ``sentiment.Scorer``, from word lists."""

    model_id = "word-embedder@test"
    has_embeddings = True

    def __init__(self) -> None:
        self.calls = 0

    def score(self, texts: Sequence[str], progress: bool = False) -> list[FakeScore]:
        self.calls += 1
        out = []
        for text in texts:
            negative = bool(NEGATIVE_WORDS & set(re.findall(r"\w+", text.lower())))
            out.append(FakeScore("neg", -0.8, 0.9, 0.05, 0.05) if negative else FakeScore("pos", 0.8, 0.05, 0.05, 0.9))
        return out

    def score_with_embeddings(self, texts: Sequence[str], progress: bool = False) -> tuple[list[FakeScore], np.ndarray]:
        return self.score(texts), np.array([word_vector(t) for t in texts], dtype=np.float32).reshape(-1, EMBEDDING_DIM)
