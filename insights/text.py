"""Text handling for insights: sentences, tokens, light stemming, content terms, per language.

Everything here is deterministic and model-free, so that tagging 100k mentions takes
seconds and a term list change re-tags the same way every time. Dutch, French and English
have term lists and stop words (``LANGUAGES``); each gets its own Snowball stemmer.

Stemming uses the original Snowball Dutch algorithm (``dutch_porter`` in snowballstemmer
3.x). The newer default ``dutch`` stemmer also strips ``ge-`` prefixes and diminutives,
which merges words that a term list must keep apart ("gerecht" -> "recht", "pakketje" ->
"pak"); the classic one only removes inflection ("bezorging", "bezorgen" -> "bezorg";
"pakketten" -> "pakket"). Diminutives are handled here, explicitly (``base_forms``).
French uses Snowball ``french`` after elided articles and pronouns are cut off
("l'application" -> "application", "d'attente" -> "attente"); English uses ``english``
(Porter2), and "customer's" counts as "customer".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import snowballstemmer

#: Languages with term lists, stemmer and stop words; the first is the default for texts
#: whose language is unknown (too short to detect).
LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "nl"
_STEMMERS = {"nl": "dutch_porter", "fr": "french", "en": "english"}

# Letters (accents folded away first), digits, and apostrophes inside a word ("auto's").
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# French elision: an article, pronoun or conjunction glued to the next word by an apostrophe.
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'(?=[a-z])")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'"})
# A sentence ends at ! ? or an ellipsis followed by space, at a full stop followed by space
# and a capital (or an opening quote), or at a line break. So "3.50", "o.a. de prijs" and
# "o.a. 3 dagen" stay one sentence.
_SENTENCE_END = re.compile(r"(?<=[!?\u2026])\s+|(?<=\.)\s+(?=[A-Z\u00c0-\u00dd\"\u201c'(\[])|\s*[\r\n]+\s*")
_DIMINUTIVE = ("etjes", "etje", "tjes", "tje", "pjes", "pje", "jes", "je")

MIN_TERM_LENGTH = 3  # shorter tokens are not content terms ("de", "op", "nu")


def fold(text: str) -> str:
    """Lower case without diacritics and with one apostrophe: "geïrriteerd" -> "geirriteerd",
    "Café" -> "cafe", "l’appli" -> "l'appli"."""
    lowered = text.lower()
    if lowered.isascii():  # most review text: nothing to decompose (and the fast path)
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lexicon_language(language: str | None) -> str | None:
    """The language whose lists read a text: its own when it has lists, the default when
    it is unknown (None), and None for a language without lists (German, Spanish, ...):
    such a text is kept and counted, never read with another language's words."""
    if language is None:
        return DEFAULT_LANGUAGE
    return language if language in LANGUAGES else None


def split_sentences(text: str) -> list[str]:
    """Sentences of a review or post, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def tokens(text: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Folded word tokens; hyphens and slashes separate words ("e-mail" -> "e", "mail");
    in French, elisions are separate words ("l'application" -> "l", "application")."""
    folded = fold(text)
    if language == "fr":
        folded = _ELISION.sub(lambda m: m.group(0)[:-1] + " ", folded)
    return _TOKEN.findall(folded)


@lru_cache(maxsize=8)
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMERS[language])


@lru_cache(maxsize=200_000)
def stem(token: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Snowball stem of a folded token in ``language`` (Dutch: the classic algorithm);
    apostrophe forms lose the ending ("auto's", "customer's")."""
    word = token.split("'", 1)[0]
    return _stemmer(language).stemWord(word) if len(word) > 2 else word


def base_forms(token: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The token and, for a possible Dutch diminutive, its possible bases: "pakketje" ->
    ["pakketje", "pakket", ...], "balletje" -> [..., "bal"]. Lookups try them all."""
    forms = [token]
    if language != "nl":
        return forms
    for suffix in _DIMINUTIVE:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            base = token[: -len(suffix)]
            forms.append(base)
            if suffix.startswith("e") and len(base) > 3 and base[-1] == base[-2]:
                forms.append(base[:-1])  # "balletje" -> "bal"
    return list(dict.fromkeys(forms))


@lru_cache(maxsize=8)
def stopwords(language: str = DEFAULT_LANGUAGE) -> frozenset[str]:
    """Function words and review boilerplate of ``language`` that never make a topic."""
    text = resources.files("insights").joinpath(f"stopwords_{language}.txt").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.update(fold(w) for w in line.split())
    return frozenset(words)


def content_tokens(text: str, extra_stop: frozenset[str] = frozenset(),
                   language: str = DEFAULT_LANGUAGE) -> list[str | None]:
    """Tokens with stopwords, numbers and very short words replaced by None (a phrase
    never spans them)."""
    stop = stopwords(language)
    out: list[str | None] = []
    for tok in tokens(text, language):
        if len(tok) < MIN_TERM_LENGTH or tok.isdigit() or tok in stop or tok in extra_stop:
            out.append(None)
        else:
            out.append(tok)
    return out


def terms(text: str, extra_stop: frozenset[str] = frozenset(),
          language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Distinct content terms of a text in ``language``: stem key -> first surface form.

    Unigrams are stems ("bezorg"); phrases are two adjacent content words inside one
    sentence ("pakket kwijt" -> key "pakket kwijt"), so "te laat" is not a phrase but
    "pakket kwijt" and "geld terug" are.
    """
    found: dict[str, str] = {}
    for sentence in split_sentences(text):
        previous: str | None = None
        for tok in content_tokens(sentence, extra_stop, language):
            if tok is None:
                previous = None
                continue
            key = stem(tok, language)
            found.setdefault(key, tok)
            if previous is not None:
                found.setdefault(f"{stem(previous, language)} {key}", f"{previous} {tok}")
            previous = tok
    return found
