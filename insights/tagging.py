"""Turning texts into the rows of the tag tables (pure Python, no database access)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from klantstem.config import MonitorConfig
from insights.aspects import AspectTagger, load_lexicon
from insights.text import terms, tokens

SENTENCE_SCHEMA = pa.schema([("mention_id", pa.string()), ("sentence_no", pa.int32()), ("sentence", pa.string())])
TAG_SCHEMA = pa.schema(
    [("mention_id", pa.string()), ("sentence_no", pa.int32()), ("aspect", pa.string()), ("term", pa.string())]
)
TERM_SCHEMA = pa.schema([("mention_id", pa.string()), ("term", pa.string()), ("surface", pa.string())])
TAGGED_SCHEMA = pa.schema(
    [("mention_id", pa.string()), ("text_md5", pa.string()), ("sentences", pa.int32())]
)


def brand_words(config: MonitorConfig) -> frozenset[str]:
    """Folded tokens of brand names and keywords: never an aspect or a topic ("Winkelwagen"
    is a competitor, not the shopping cart)."""
    return frozenset(t for b in config.brands for w in (b.name, *b.keywords) for t in tokens(w))


def tagger_for(config: MonitorConfig) -> AspectTagger:
    settings = getattr(config, "insights", None)
    overrides = getattr(settings, "aspects_file", None) if settings is not None else None
    return AspectTagger(load_lexicon(overrides, extra_exclude=brand_words(config)))


@dataclass
class TagRows:
    """Columns for the tag tables, filled text by text."""

    sentences: dict[str, list] = field(default_factory=lambda: {n: [] for n in SENTENCE_SCHEMA.names})
    tags: dict[str, list] = field(default_factory=lambda: {n: [] for n in TAG_SCHEMA.names})
    terms: dict[str, list] = field(default_factory=lambda: {n: [] for n in TERM_SCHEMA.names})
    tagged: dict[str, list] = field(default_factory=lambda: {n: [] for n in TAGGED_SCHEMA.names})

    def add(self, tagger: AspectTagger, text_id: str, text: str, text_md5: str = "",
            stop: frozenset[str] = frozenset()) -> None:
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
        for key, surface in terms(text, stop).items():
            self.terms["mention_id"].append(text_id)
            self.terms["term"].append(key)
            self.terms["surface"].append(surface)
        self.tagged["mention_id"].append(text_id)
        self.tagged["text_md5"].append(text_md5)
        self.tagged["sentences"].append(len(sentences))

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
        return (
            pa.Table.from_pydict(self.sentences, schema=SENTENCE_SCHEMA),
            pa.Table.from_pydict(self.tags, schema=TAG_SCHEMA),
            pa.Table.from_pydict(self.terms, schema=TERM_SCHEMA),
            pa.Table.from_pydict(self.tagged, schema=TAGGED_SCHEMA),
        )


def tag_texts(tagger: AspectTagger, items: Iterable[tuple[str, str, str]], stop: frozenset[str]) -> TagRows:
    """``items``: (id, text, text_md5)."""
    rows = TagRows()
    for text_id, text, md5 in items:
        rows.add(tagger, text_id, text, md5, stop)
    return rows
