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
from datetime import date

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


def demo_rows(today: date, count: int | None = None) -> list[dict]:
    """The demo site's reviews as staged rows (what the crawl would load); with ``count``,
    that many, taking sites of earlier and earlier days when one is not enough."""
    from klantstem.demo.site import build_site

    rows: list[dict] = []
    day = today
    while count is None or len(rows) < count:
        for r in build_site(day).reviews:
            rows.append({"source": r.channel, "brand": r.brand, "external_id": f"{day}-{r.id}",
                         "url": f"https://example.invalid/{day}/{r.id}", "kind": "review",
                         "published_at": r.published_at.isoformat(), "title": r.title, "text": r.text,
                         "rating": r.rating, "rating_min": 1, "rating_max": r.best_rating,
                         "rating_normalised": (r.rating - 1) / (r.best_rating - 1), "language": r.language,
                         "author": None, "reply": None, "fetched_at": r.published_at.isoformat()})
            if count is not None and len(rows) == count:
                return rows
        if count is None:
            return rows
        day = date.fromordinal(day.toordinal() - 90)
    return rows
