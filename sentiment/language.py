"""Offline language detection (lingua), restricted to the languages Klantstem expects.

Restricting the candidate set makes detection faster and more accurate on short texts;
the set covers Dutch plus the languages Dutch and Belgian companies commonly get posts
in. Short or ambiguous texts get ``None`` rather than a guess: a three-letter "top" is
not evidence of anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

EXPECTED = (
    Language.DUTCH, Language.ENGLISH, Language.GERMAN, Language.FRENCH, Language.SPANISH,
    Language.ITALIAN, Language.PORTUGUESE, Language.TURKISH, Language.POLISH, Language.ARABIC,
)
#: Texts with fewer letters than this are not classified (too little evidence).
MIN_LETTERS = 10
#: Minimum confidence (0-1) of the best language; below it the language is unknown.
MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*EXPECTED).build()


def detect_languages(texts: Sequence[str]) -> list[str | None]:
    """ISO 639-1 code (lowercase) per text, or None when too short or too uncertain."""
    result: list[str | None] = [None] * len(texts)
    todo = [i for i, t in enumerate(texts) if sum(ch.isalpha() for ch in t) >= MIN_LETTERS]
    if not todo:
        return result
    confidences = _detector().compute_language_confidence_values_in_parallel([texts[i] for i in todo])
    for i, values in zip(todo, confidences, strict=True):
        if values and values[0].value >= MIN_CONFIDENCE:
            result[i] = values[0].language.iso_code_639_1.name.lower()
    return result
