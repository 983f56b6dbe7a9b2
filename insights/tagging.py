"""Turning texts into the rows of the tag tables (pure Python, no database access)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from klantstem.config import MonitorConfig
from insights.aspects import TAGGER_RULES, Aspect, AspectTagger, load_lexicon
from insights.text import DEFAULT_LANGUAGE, LANGUAGES, lexicon_language, terms, tokens

SENTENCE_SCHEMA = pa.schema([("mention_id", pa.string()), ("sentence_no", pa.int32()), ("sentence", pa.string())])
TAG_SCHEMA = pa.schema(
    [("mention_id", pa.string()), ("sentence_no", pa.int32()), ("aspect", pa.string()), ("term", pa.string())]
)
TERM_SCHEMA = pa.schema([("mention_id", pa.string()), ("term", pa.string()), ("surface", pa.string())])
TAGGED_SCHEMA = pa.schema(
    [("mention_id", pa.string()), ("text_md5", pa.string()), ("sentences", pa.int32()),
     ("tagger_version", pa.string()), ("language", pa.string())]
)


def brand_words(config: MonitorConfig) -> frozenset[str]:
    """Folded tokens of brand names and keywords: never an aspect or a topic ("Winkelwagen"
    is a competitor, not the shopping cart)."""
    return frozenset(t for b in config.brands for w in (b.name, *b.keywords) for t in tokens(w))


#: insight_tagged.tagger_version of a text in a language without term lists: counted, not read.
UNREAD_VERSION = f"r{TAGGER_RULES}-unread"


@dataclass(frozen=True)
class Taggers:
    """One tagger per language with term lists; a text is read by its own language's."""

    by_language: dict[str, AspectTagger]

    def for_language(self, language: str | None) -> AspectTagger | None:
        """The tagger for a text in ``language`` (None: unknown, read as the default
        language); None for a language without lists."""
        lexicon = lexicon_language(language)
        return self.by_language.get(lexicon) if lexicon is not None else None

    def for_survey(self, config: MonitorConfig) -> AspectTagger:
        """The company's survey is in its own customers' main language: the first language of
        the first own brand (default: the default language)."""
        own = [b for b in config.brands if b.own]
        return self.for_language(own[0].languages[0] if own else None) or self.default

    def version_for(self, language: str) -> str:
        tagger = self.by_language.get(language)
        return tagger.version if tagger is not None else UNREAD_VERSION

    @property
    def default(self) -> AspectTagger:
        return self.by_language[DEFAULT_LANGUAGE]

    @property
    def version(self) -> str:
        """Changes when any language's lists change (recorded per insights run)."""
        joined = ",".join(f"{lang}={t.version}" for lang, t in sorted(self.by_language.items()))
        return f"r{TAGGER_RULES}-{hashlib.sha256(joined.encode()).hexdigest()[:10]}"

    def aspects(self) -> list[Aspect]:
        """The aspects of all languages, labelled and ordered as the default language's lists
        (users see one language), then any aspect only another language's lists have."""
        seen = {a.key: a for a in self.default.lexicon.aspects}
        extra = [a for t in self.by_language.values() for a in t.lexicon.aspects if a.key not in seen]
        out = list(seen.values())
        for a in extra:
            if a.key not in {b.key for b in out}:
                out.append(Aspect(a.key, a.label, len(out) + 1, a.terms, a.words, a.exclude))
        return out


def tagger_for(config: MonitorConfig) -> Taggers:
    """The shipped lists of every language, extended by ``[insights] aspects_file``."""
    settings = getattr(config, "insights", None)
    overrides = getattr(settings, "aspects_file", None) if settings is not None else None
    words = brand_words(config)
    return Taggers({lang: AspectTagger(load_lexicon(overrides, extra_exclude=words, language=lang))
                    for lang in LANGUAGES})


@dataclass
class TagRows:
    """Columns for the tag tables, filled text by text."""

    sentences: dict[str, list] = field(default_factory=lambda: {n: [] for n in SENTENCE_SCHEMA.names})
    tags: dict[str, list] = field(default_factory=lambda: {n: [] for n in TAG_SCHEMA.names})
    terms: dict[str, list] = field(default_factory=lambda: {n: [] for n in TERM_SCHEMA.names})
    tagged: dict[str, list] = field(default_factory=lambda: {n: [] for n in TAGGED_SCHEMA.names})

    def add(self, tagger: AspectTagger | None, text_id: str, text: str, text_md5: str = "",
            stop: frozenset[str] = frozenset(), language: str | None = None) -> None:
        """``tagger`` None: a text in ``language``, which has no lists: recorded as tagged,
        nothing read."""
        self.tagged["mention_id"].append(text_id)
        self.tagged["text_md5"].append(text_md5)
        self.tagged["tagger_version"].append(tagger.version if tagger is not None else UNREAD_VERSION)
        self.tagged["language"].append(tagger.language if tagger is not None else language)
        if tagger is None:
            self.tagged["sentences"].append(0)
            return
        sentences = tagger.tag_text(text)
        for sentence in sentences:
            if not sentence.aspects:
                continue
            self.sentences["mention_id"].append(text_id)
            self.sentences["sentence_no"].append(sentence.sentence_no)
            self.sentences["sentence"].append(sentence.text)
            for aspect, term in sentence.aspects.items():
                self.tags["mention_id"].append(text_id)
                self.tags["sentence_no"].append(sentence.sentence_no)
                self.tags["aspect"].append(aspect)
                self.tags["term"].append(term)
        for key, surface in terms(text, stop, tagger.language).items():
            self.terms["mention_id"].append(text_id)
            self.terms["term"].append(key)
            self.terms["surface"].append(surface)
        self.tagged["sentences"].append(len(sentences))

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
        return (
            pa.Table.from_pydict(self.sentences, schema=SENTENCE_SCHEMA),
            pa.Table.from_pydict(self.tags, schema=TAG_SCHEMA),
            pa.Table.from_pydict(self.terms, schema=TERM_SCHEMA),
            pa.Table.from_pydict(self.tagged, schema=TAGGED_SCHEMA),
        )


def tag_texts(taggers: Taggers, items: Iterable[tuple[str, str, str, str | None]], stop: frozenset[str]) -> TagRows:
    """``items``: (id, text, text_md5, language), each read by its language's tagger."""
    rows = TagRows()
    for text_id, text, md5, language in items:
        rows.add(taggers.for_language(language), text_id, text, md5, stop, language)
    return rows
