"""Top terms: which words the window's (negative) mentions use far more than the baseline's.

Simple and explainable on purpose: lower-cased words of three letters or more, stop words of
the text's language removed (``stopwords_nl.txt``, ``_fr``, ``_en``; French elisions cut off:
"l'application" is "application"), each mention counting a word once (one ranting review
cannot make a term). Terms are counted per language, window against baseline of the same
language, so a Belgian brand's French complaints are compared with French texts; each term
carries its language. The language is guessed from the stop words a text uses (the alert
texts come without the detected one): the language with the most distinct stop words, when
it has at least two and more than any other, else Dutch. A term is over-represented when the log odds of a mention containing
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
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'(?=[a-zà-öø-ÿ])")
MIN_Z = 1.645  # one-sided 5%
LANGUAGES = ("nl", "fr", "en")  # the first is the default
MIN_STOP_HITS = 2


@cache
def stop_words(language: str = "nl") -> frozenset[str]:
    text = resources.files("alerts").joinpath(f"stopwords_{language}.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("\u2019", "'")
    return _WORD.findall(_ELISION.sub(lambda m: m.group(0)[:-1] + " ", text))


def guess_language(text: str) -> str:
    """nl, fr or en: the language whose stop words the text uses most (see the module doc)."""
    words = set(_words(text))
    hits = sorted(((len(words & stop_words(lang)), lang) for lang in LANGUAGES), reverse=True)
    (best, lang), (second, _) = hits[0], hits[1]
    return lang if best >= MIN_STOP_HITS and best > second else LANGUAGES[0]


def tokens(text: str, language: str | None = None) -> list[str]:
    """Content words of a text in ``language`` (default: guessed), in order (duplicates kept)."""
    stops = stop_words(language or guess_language(text))
    return [w for w in _words(text) if len(w) >= 3 and w not in stops]


@dataclass(frozen=True)
class Term:
    term: str
    window_docs: int
    baseline_docs: int
    z: float  # z-score of the log-odds ratio (window vs baseline)
    score: float  # lower 95% bound of the log-odds ratio: large *and* well supported
    language: str = LANGUAGES[0]  # the language of the texts it was counted in


def over_represented(window_texts: Iterable[str], baseline_texts: Iterable[str], top: int = 5) -> list[Term]:
    """Terms more common in ``window_texts`` than in ``baseline_texts`` of the same language,
    strongest first (over all languages)."""
    window = _doc_freq(window_texts)
    baseline = _doc_freq(baseline_texts)
    terms = []
    for language, (window_df, n_w) in window.items():
        base_df, n_b = baseline.get(language, (Counter(), 0))
        for term, a in window_df.items():
            if a < 2:
                continue
            c = base_df.get(term, 0)
            lor = math.log((a + 0.5) / (n_w - a + 0.5)) - math.log((c + 0.5) / (n_b - c + 0.5))
            se = math.sqrt(1 / (a + 0.5) + 1 / (n_w - a + 0.5) + 1 / (c + 0.5) + 1 / (n_b - c + 0.5))
            z = lor / se
            if z >= MIN_Z:
                terms.append(Term(term, a, c, z, lor - MIN_Z * se, language))
    terms.sort(key=lambda t: (-t.score, -t.window_docs, t.term, t.language))
    return terms[:top]


def _doc_freq(texts: Iterable[str]) -> dict[str, tuple[Counter[str], int]]:
    """Per guessed language: in how many texts each term occurs, and how many texts."""
    out: dict[str, tuple[Counter[str], int]] = {}
    for text in texts:
        language = guess_language(text)
        df, n = out.get(language, (Counter(), 0))
        df.update(set(tokens(text, language)))
        out[language] = (df, n + 1)
    return out
