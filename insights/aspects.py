"""Customer-journey aspects: which sentence talks about delivery, returns, price, ...

The term lists are data, one file per language (``insights/aspects_nl.toml``, format
documented there; ``aspects_fr.toml``, ``aspects_en.toml``), optionally extended per company
by a file named in ``[insights] aspects_file`` (``[aspects.<name>]`` extends the Dutch lists,
``[fr.aspects.<name>]`` and ``[en.aspects.<name>]`` the French and English ones). Matching is lexical and
explainable: every tag records the word that triggered it ("pakketbezorging"), so a
reputation manager can see *why* a sentence counts as delivery and fix the list.

Matching rules, in order, per sentence:

1. phrases from ``words`` ("geld terug", "te laat") claim their tokens;
2. an exact form from ``words``, or a token with the same Snowball stem as a ``terms``
   entry (diminutives count as their base word), tags the token;
3. Dutch only, and only if 2 found nothing: a compound with a term as head
   ("pakket|bezorging") or as modifier ("bezorg|service", "retour|label", linking
   -s-/-e-/-en- allowed), the other part 3+ letters, terms of 4+ letters only (French and
   English write such words apart: "service client", "delivery time");
4. excluded words (global or per aspect) never tag; a global exclude of several words is a
   phrase that takes its words away from every match ("in order to" is not ordering).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from klantstem.config import ConfigError
from insights.text import DEFAULT_LANGUAGE, LANGUAGES, base_forms, fold, split_sentences, stem, stopwords, tokens

# Bump when matching rules change (not the lists: their content is hashed into the version).
TAGGER_RULES = 3
MIN_COMPOUND_TERM = 4  # letters of a term's stem before it may match inside a compound
MIN_COMPOUND_REST = 3  # letters of the other part of a compound
_LINKING = ("en", "s", "e")
# Where a sentence may be cut into clauses: after ", " ";" or a dash, and before a
# contrastive or restrictive word of the language (kept with the clause it opens).
_CONTRAST = {
    "nl": r"maar|echter|alleen|doch|terwijl|hoewel|behalve|daarentegen",
    "fr": r"mais|cependant|pourtant|toutefois|par contre|sauf|alors que|tandis que|bien que|en revanche",
    "en": r"but|however|although|though|whereas|while|except|apart from",
}
_CLAUSE_CUT = {
    lang: re.compile(rf"(?<=[,;])\s+|\s+(?=[-\u2013]\s)|\s+(?=(?:{words})\b)", re.IGNORECASE)
    for lang, words in _CONTRAST.items()
}


@dataclass(frozen=True)
class Aspect:
    key: str
    label: str
    position: int
    terms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    aspects: tuple[Aspect, ...]
    exclude: frozenset[str] = frozenset()
    language: str = DEFAULT_LANGUAGE

    @property
    def version(self) -> str:
        """Changes whenever the lists or the matching rules change: stored tags from an
        older version are redone on the next refresh."""
        payload = json.dumps(
            {
                "rules": TAGGER_RULES,
                "language": self.language,
                "aspects": [a.__dict__ for a in self.aspects],
                "exclude": sorted(self.exclude),
                "stopwords": sorted(stopwords(self.language)),
            },
            sort_keys=True,
        )
        return f"r{TAGGER_RULES}-{hashlib.sha256(payload.encode()).hexdigest()[:10]}"

    def labels(self) -> dict[str, str]:
        return {a.key: a.label for a in self.aspects}

    def with_exclude(self, words: Iterable[str]) -> Lexicon:
        return Lexicon(self.aspects, self.exclude | {fold(w) for w in words if w}, self.language)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: must be a list of non-empty strings")
    return [v.strip() for v in value]


def _parse(raw: dict[str, Any], source: str, base: dict[str, Aspect] | None = None,
           base_exclude: frozenset[str] = frozenset(), language: str = DEFAULT_LANGUAGE) -> Lexicon:
    known_top = {"exclude", "aspects"}
    for key in raw:
        if key not in known_top:
            raise ConfigError(f"{source}: {key}: unknown key (expected 'exclude' or [aspects.<name>])")
    aspects: dict[str, Aspect] = dict(base or {})
    sections = raw.get("aspects", {})
    if not isinstance(sections, dict):
        raise ConfigError(f"{source}: aspects: must be tables like [aspects.delivery]")
    for key, section in sections.items():
        where = f"{source}: aspects.{key}"
        if not isinstance(section, dict):
            raise ConfigError(f"{where}: must be a table")
        unknown = set(section) - {"label", "terms", "words", "exclude", "enabled"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (expected label, terms, words, exclude, enabled)")
        if section.get("enabled", True) is False:
            aspects.pop(key, None)
            continue
        old = aspects.get(key)
        label = section.get("label", old.label if old else None)
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"{where}: label: a new aspect needs a label (what users see)")
        extra = {f: _strings(section.get(f, []), f"{where}.{f}") for f in ("terms", "words", "exclude")}
        phrases = [t for t in extra["terms"] if len(t.split()) > 1]
        if phrases:
            raise ConfigError(f"{where}.terms: {phrases[0]!r} is several words: list phrases in words "
                              "(each word of a term would match on its own)")
        aspects[key] = Aspect(
            key=key,
            label=label.strip(),
            position=old.position if old else len(aspects) + 1,
            terms=(old.terms if old else ()) + tuple(extra["terms"]),
            words=(old.words if old else ()) + tuple(extra["words"]),
            exclude=(old.exclude if old else ()) + tuple(extra["exclude"]),
        )
        if not aspects[key].terms and not aspects[key].words:
            raise ConfigError(f"{where}: needs at least one entry in terms or words")
    exclude = base_exclude | {fold(w) for w in _strings(raw.get("exclude", []), f"{source}: exclude")}
    ordered = sorted(aspects.values(), key=lambda a: a.position)
    renumbered = tuple(Aspect(a.key, a.label, i + 1, a.terms, a.words, a.exclude) for i, a in enumerate(ordered))
    return Lexicon(renumbered, frozenset(exclude), language)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: aspects file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def default_lexicon(language: str = DEFAULT_LANGUAGE) -> Lexicon:
    """The shipped lists of ``language`` (one of ``insights.text.LANGUAGES``)."""
    name = f"aspects_{language}.toml"
    text = resources.files("insights").joinpath(name).read_text(encoding="utf-8")
    return _parse(tomllib.loads(text), f"insights/{name}", language=language)


def _language_part(raw: dict[str, Any], language: str, source: str) -> dict[str, Any]:
    """The part of an override file for ``language``: the top level for Dutch (the format
    predates the other languages), the ``[fr]`` / ``[en]`` tables for the others."""
    for key, value in raw.items():
        if key in LANGUAGES and key != DEFAULT_LANGUAGE and not isinstance(value, dict):
            raise ConfigError(f"{source}: {key}: must be a table like [{key}.aspects.delivery]")
    if language == DEFAULT_LANGUAGE:
        return {k: v for k, v in raw.items() if k not in LANGUAGES}
    return raw.get(language, {})


def load_lexicon(overrides: Path | None = None, extra_exclude: Iterable[str] = (),
                 language: str = DEFAULT_LANGUAGE) -> Lexicon:
    """The shipped lists of ``language``, extended by ``overrides`` (same TOML format;
    ``[fr.aspects.<name>]`` / ``[en.aspects.<name>]`` for French and English) when given.

    ``extra_exclude``: words that never tag (brand names: "Winkelwagen" is a competitor,
    not the shopping cart).
    """
    lexicon = default_lexicon(language)
    if overrides is not None:
        base = {a.key: a for a in lexicon.aspects}
        raw = _language_part(_read_toml(Path(overrides)), language, str(overrides))
        where = str(overrides) if language == DEFAULT_LANGUAGE else f"{overrides}: {language}"
        lexicon = _parse(raw, where, base, lexicon.exclude, language)
    words = [t for w in extra_exclude for t in tokens(w, language)]
    return lexicon.with_exclude(words) if words else lexicon


@dataclass(frozen=True)
class TaggedSentence:
    sentence_no: int
    text: str
    aspects: dict[str, str] = field(default_factory=dict)  # aspect -> word that triggered it


class AspectTagger:
    """Tags sentences with aspects; built once per lexicon, caches per distinct word."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.language = lexicon.language
        self.version = lexicon.version
        self._compounds = lexicon.language == "nl"
        self._clause_cut = _CLAUSE_CUT[lexicon.language]
        self._stems: dict[str, set[str]] = {}
        self._heads: dict[str, set[str]] = {}
        self._modifiers: dict[str, set[str]] = {}
        self._words: dict[str, set[str]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str | None]]] = {}
        self._exclude: dict[str, set[str]] = {}
        lang = self.language
        for aspect in lexicon.aspects:
            for term in aspect.terms:
                for tok in tokens(term, lang):
                    s = stem(tok, lang)
                    self._stems.setdefault(s, set()).add(aspect.key)
                    if len(s) >= MIN_COMPOUND_TERM:
                        self._heads.setdefault(s, set()).add(aspect.key)
                        for form in {tok, s}:
                            self._modifiers.setdefault(form, set()).add(aspect.key)
            for word in aspect.words:
                toks = tuple(tokens(word, lang))
                if len(toks) == 1:
                    self._words.setdefault(toks[0], set()).add(aspect.key)
                elif toks:
                    self._phrases.setdefault(toks[0], []).append((toks, aspect.key))
            for word in aspect.exclude:
                self._exclude.setdefault(fold(word).strip(), set()).add(aspect.key)
        for word in lexicon.exclude:
            toks = tuple(tokens(word, lang))
            if len(toks) > 1:
                self._phrases.setdefault(toks[0], []).append((toks, None))
        for options in self._phrases.values():
            options.sort(key=lambda p: -len(p[0]))
        self._head_prefixes = {s[:3] for s in self._heads}
        self._cache: dict[str, dict[str, str]] = {}

    def _exact(self, form: str) -> set[str]:
        return set(self._words.get(form, ())) | set(self._stems.get(stem(form, self.language), ()))

    def _compound(self, form: str) -> set[str]:
        found: set[str] = set()
        for i in range(MIN_COMPOUND_REST, len(form) - MIN_COMPOUND_REST + 1):
            head, modifier = form[i:], form[:i]
            if len(head) >= MIN_COMPOUND_TERM and head[:3] in self._head_prefixes:
                found |= self._heads.get(stem(head, self.language), set())
            for link in ("", *_LINKING):
                if link and not modifier.endswith(link):
                    continue
                core = modifier[: len(modifier) - len(link)] if link else modifier
                if len(core) >= MIN_COMPOUND_TERM and core in self._modifiers:
                    found |= self._modifiers[core]
        return found

    def match_word(self, token: str) -> set[str]:
        """Aspects a single folded token means (cached)."""
        cached = self._cache.get(token)
        if cached is not None:
            return set(cached)
        aspects: set[str] = set()
        if token not in self.lexicon.exclude:
            forms = base_forms(token, self.language)
            for form in forms:
                aspects |= self._exact(form)
            if not aspects and self._compounds:
                for form in forms:
                    aspects |= self._compound(form)
            for form in forms:
                aspects -= self._exclude.get(form, set())
        self._cache[token] = dict.fromkeys(aspects, token)
        return aspects

    def tag_tokens(self, toks: list[str]) -> dict[str, str]:
        """Aspect -> first word or phrase that triggered it, for one sentence's tokens."""
        found: dict[str, str] = {}
        covered = [False] * len(toks)
        for i, tok in enumerate(toks):
            for phrase, aspect in self._phrases.get(tok, ()):
                n = len(phrase)
                if tuple(toks[i : i + n]) == phrase and not any(covered[i : i + n]):
                    if aspect is not None:
                        found.setdefault(aspect, " ".join(phrase))
                    for j in range(i, i + n):
                        covered[j] = True
        for i, tok in enumerate(toks):
            if covered[i] or len(tok) < 2:
                continue
            for aspect in sorted(self.match_word(tok)):
                found.setdefault(aspect, tok)
        order = {a.key: a.position for a in self.lexicon.aspects}
        return dict(sorted(found.items(), key=lambda kv: order[kv[0]]))

    def tag_sentence(self, sentence: str) -> dict[str, str]:
        return self.tag_tokens(tokens(sentence, self.language))

    def clauses(self, sentence: str) -> list[tuple[str, dict[str, str]]]:
        """A sentence that judges several aspects, cut into the parts that each judge one.

        "Goedkoop is het niet, maar wel heerlijk eten" gives one part per aspect, so each
        gets its own sentiment. Cuts are at ", " ; " - " and before contrastive words
        (maar, echter, alleen, ...); a part without an aspect stays with the part before it
        ("de bediening was traag, maar vriendelijk" stays whole).
        """
        whole = self.tag_sentence(sentence)
        if len(whole) < 2:
            return [(sentence, whole)]
        cuts = [0, *(m.end() for m in self._clause_cut.finditer(sentence)), len(sentence)]
        pieces = [sentence[a:b] for a, b in zip(cuts, cuts[1:]) if sentence[a:b].strip(" ,;-")]
        parts: list[list] = []
        for piece in pieces:
            tags = self.tag_sentence(piece)
            if parts and not tags:
                parts[-1][0] += piece
            elif parts and not parts[-1][1]:
                parts[-1][0] += piece
                parts[-1][1] = tags
            else:
                parts.append([piece, tags])
        if len(parts) < 2:
            return [(sentence, whole)]
        return [(text.strip(" ,;-\u2013"), tags) for text, tags in parts]

    def tag_text(self, text: str) -> list[TaggedSentence]:
        """Every sentence of ``text`` with its aspects (possibly none), numbered from 1; a
        sentence judging several aspects in separate clauses counts as one unit per clause."""
        units: list[TaggedSentence] = []
        for sentence in split_sentences(text):
            for part, tags in self.clauses(sentence):
                units.append(TaggedSentence(len(units) + 1, part, tags))
        return units
