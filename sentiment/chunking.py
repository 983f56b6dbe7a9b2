"""Split long texts into sentence chunks that fit the model, and combine the chunk scores.

Truncating a long post to the model's window silently drops everything after it, so a
complaint in the last paragraph of a 2,000-word post would never be seen. Texts longer
than the window are cut at sentence boundaries into chunks that fit, each chunk is
scored, and the chunk scores are combined.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import numpy as np

# A sentence ends at terminal punctuation (plus closing quotes/brackets) followed by
# whitespace, or at a line break; good enough for reviews and posts, needs no model.
_BOUNDARY = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+|\s*\n\s*")

#: Weight of the most negative chunk when it is itself labelled negative.
NEGATIVE_CHUNK_WEIGHT = 0.5


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in ``text`` (covering it completely, in order)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.end() > start:
            spans.append((start, match.end()))
            start = match.end()
    if start < len(text) or not spans:
        spans.append((start, len(text)))
    return spans


def chunk_token_ranges(
    token_starts: Sequence[int], spans: Sequence[tuple[int, int]], budget: int
) -> list[tuple[int, int]]:
    """Group tokens into ``[start, end)`` ranges of at most ``budget`` tokens at sentence ends.

    ``token_starts`` is each token's first character offset. Whole sentences are packed
    greedily; a single sentence longer than ``budget`` is cut into budget-sized pieces.
    """
    if budget < 1:
        raise ValueError("budget must be >= 1 token")
    n = len(token_starts)
    if n == 0:
        return [(0, 0)]
    span_starts = [s for s, _ in spans]
    sentence_of = [max(0, bisect.bisect_right(span_starts, c) - 1) for c in token_starts]
    sentences: list[tuple[int, int]] = []
    first = 0
    for t in range(1, n + 1):
        if t == n or sentence_of[t] != sentence_of[first]:
            sentences.append((first, t))
            first = t
    chunks: list[tuple[int, int]] = []
    cur_start, cur_end = 0, 0
    for s, e in sentences:
        if e - cur_start <= budget:
            cur_end = e
            continue
        if cur_end > cur_start:
            chunks.append((cur_start, cur_end))
        cur_start = s
        while e - cur_start > budget:
            chunks.append((cur_start, cur_start + budget))
            cur_start += budget
        cur_end = e
    chunks.append((cur_start, cur_end))
    return chunks


def combine(values: np.ndarray, n_tokens: Sequence[int]) -> np.ndarray:
    """Combine per-chunk rows ``[p_neg, p_neu, p_pos, score]`` into one row.

    Token-weighted mean, so every part of the text counts by its length. Then, if the
    most negative chunk is itself labelled negative, it gets half the weight of the
    whole: for reputation monitoring a complaint in one paragraph is half the story of
    a post however long the rest is, rather than 1/20th of it.
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(n_tokens, dtype=np.float64).clip(min=1.0)
    mean = weights @ values / weights.sum()
    if len(values) == 1:
        return mean
    worst = values[int(np.argmax(values[:, 0]))]
    if worst[0] > max(worst[1], worst[2]):
        return (1.0 - NEGATIVE_CHUNK_WEIGHT) * mean + NEGATIVE_CHUNK_WEIGHT * worst
    return mean
