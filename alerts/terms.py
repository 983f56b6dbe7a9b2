"""Top terms: which words the window's (negative) mentions use far more than the baseline's.

Simple and explainable on purpose: lower-cased words of three letters or more, Dutch stop
words removed (``stopwords_nl.txt``), each mention counting a word once (one ranting review
cannot make a term). A term is over-represented when the log odds of a mention containing
it are higher in the window than in the baseline: the log-odds ratio of a Haldane-corrected
2x2 table must be significant (one-sided 5%), and terms are ranked by its lower 95% bound,
which favours words that are both much more common and common enough to be sure of. A
term needs at least two mentions in the window.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

_WORD = re.compile(r"[a-zà-öø-ÿ]+(?:['-][a-zà-öø-ÿ]+)*")
MIN_Z = 1.645  # one-sided 5%


@cache
def stop_words() -> frozenset[str]:
    text = resources.files("alerts").joinpath("stopwords_nl.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def tokens(text: str) -> list[str]:
    """Content words of a Dutch text, in order (duplicates kept)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    stops = stop_words()
    return [w for w in _WORD.findall(text) if len(w) >= 3 and w not in stops]


@dataclass(frozen=True)
class Term:
    term: str
    window_docs: int
    baseline_docs: int
    z: float  # z-score of the log-odds ratio (window vs baseline)
    score: float  # lower 95% bound of the log-odds ratio: large *and* well supported


def over_represented(window_texts: Iterable[str], baseline_texts: Iterable[str], top: int = 5) -> list[Term]:
    """Terms more common in ``window_texts`` than in ``baseline_texts``, strongest first."""
    window_df, n_w = _doc_freq(window_texts)
    base_df, n_b = _doc_freq(baseline_texts)
    terms = []
    for term, a in window_df.items():
        if a < 2:
            continue
        c = base_df.get(term, 0)
        lor = math.log((a + 0.5) / (n_w - a + 0.5)) - math.log((c + 0.5) / (n_b - c + 0.5))
        se = math.sqrt(1 / (a + 0.5) + 1 / (n_w - a + 0.5) + 1 / (c + 0.5) + 1 / (n_b - c + 0.5))
        z = lor / se
        if z >= MIN_Z:
            terms.append(Term(term, a, c, z, lor - MIN_Z * se))
    terms.sort(key=lambda t: (-t.score, -t.window_docs, t.term))
    return terms[:top]


def _doc_freq(texts: Iterable[str]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        df.update(set(tokens(text)))
    return df, n
