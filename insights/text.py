"""Dutch text handling for insights: sentences, tokens, light stemming, content terms.

Everything here is deterministic and model-free, so that tagging 100k mentions takes
seconds and a term list change re-tags the same way every time.

Stemming uses the original Snowball Dutch algorithm (``dutch_porter`` in snowballstemmer
3.x). The newer default ``dutch`` stemmer also strips ``ge-`` prefixes and diminutives,
which merges words that a term list must keep apart ("gerecht" -> "recht", "pakketje" ->
"pak"); the classic one only removes inflection ("bezorging", "bezorgen" -> "bezorg";
"pakketten" -> "pakket"). Diminutives are handled here, explicitly (``base_forms``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("dutch_porter")

# Letters (accents folded away first), digits, and apostrophes inside a word ("auto's").
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A sentence ends at ! ? or an ellipsis followed by space, at a full stop followed by space
# and a capital (or an opening quote), or at a line break. So "3.50", "o.a. de prijs" and
# "o.a. 3 dagen" stay one sentence.
_SENTENCE_END = re.compile(r"(?<=[!?\u2026])\s+|(?<=\.)\s+(?=[A-Z\u00c0-\u00dd\"\u201c'(\[])|\s*[\r\n]+\s*")
_DIMINUTIVE = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "jes", "je")

MIN_TERM_LENGTH = 3  # shorter tokens are not content terms ("de", "op", "nu")


def fold(text: str) -> str:
    """Lower case without diacritics: "geïrriteerd" -> "geirriteerd", "Café" -> "cafe"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def split_sentences(text: str) -> list[str]:
    """Sentences of a review or post, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def tokens(text: str) -> list[str]:
    """Folded word tokens; hyphens and slashes separate words ("e-mail" -> "e", "mail")."""
    return _TOKEN.findall(fold(text))


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """Snowball Dutch (classic) stem of a folded token; apostrophe forms lose the ending."""
    word = token.split("'", 1)[0]
    return _STEMMER.stemWord(word) if len(word) > 2 else word


def base_forms(token: str) -> list[str]:
    """The token and, for a possible diminutive, its possible bases: "pakketje" ->
    ["pakketje", "pakket", ...], "balletje" -> [..., "bal"]. Lookups try them all."""
    forms = [token]
    for suffix in _DIMINUTIVE:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            base = token[: -len(suffix)]
            forms.append(base)
            if suffix.startswith("e") and len(base) > 3 and base[-1] == base[-2]:
                forms.append(base[:-1])  # "balletje" -> "bal"
    return list(dict.fromkeys(forms))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Dutch function words and review boilerplate that never make a topic."""
    text = resources.files("insights").joinpath("stopwords_nl.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.update(fold(w) for w in line.split())
    return frozenset(words)


def content_tokens(text: str, extra_stop: frozenset[str] = frozenset()) -> list[str | None]:
    """Tokens with stopwords, numbers and very short words replaced by None (a phrase
    never spans them)."""
    stop = stopwords()
    out: list[str | None] = []
    for tok in tokens(text):
        if len(tok) < MIN_TERM_LENGTH or tok.isdigit() or tok in stop or tok in extra_stop:
            out.append(None)
        else:
            out.append(tok)
    return out


def terms(text: str, extra_stop: frozenset[str] = frozenset()) -> dict[str, str]:
    """Distinct content terms of a text: stem key -> first surface form.

    Unigrams are stems ("bezorg"); phrases are two adjacent content words inside one
    sentence ("pakket kwijt" -> key "pakket kwijt"), so "te laat" is not a phrase but
    "pakket kwijt" and "geld terug" are.
    """
    found: dict[str, str] = {}
    for sentence in split_sentences(text):
        previous: str | None = None
        for tok in content_tokens(sentence, extra_stop):
            if tok is None:
                previous = None
                continue
            key = stem(tok)
            found.setdefault(key, tok)
            if previous is not None:
                found.setdefault(f"{stem(previous)} {key}", f"{previous} {tok}")
            previous = tok
    return found
