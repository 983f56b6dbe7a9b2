"""Read the project's training sentences and the (evaluation-only) shared Dutch corpora.

The shared corpora may not be redistributed or trained on (see ../shared/data/SOURCES.md);
they are read in place, only to measure models. Each loader returns texts with gold
labels in the project's neg/neu/pos vocabulary.
"""

from __future__ import annotations

import csv
import html
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .labels import LABELS

TRAIN_CSV = Path(__file__).resolve().parent / "data" / "train_nl.csv"
_LABEL_WORDS = {"negative": "neg", "neutral": "neu", "positive": "pos", "neg": "neg", "neu": "neu", "pos": "pos"}


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # neg / neu / pos
    topic: str
    kind: str


@dataclass(frozen=True)
class EvalSet:
    """A labelled corpus; ``classes`` is ("neg", "pos") for binary sets."""

    name: str
    description: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    classes: tuple[str, ...]


def load_training(path: Path = TRAIN_CSV) -> list[Example]:
    """``text,label,topic,kind`` rows; label is negative/neutral/positive (or neg/neu/pos)."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    examples = []
    for n, row in enumerate(rows, start=2):
        label = _LABEL_WORDS.get((row.get("label") or "").strip().lower())
        text = (row.get("text") or "").strip()
        if label is None or not text:
            raise ValueError(f"{path}:{n}: need a text and a label in {sorted(_LABEL_WORDS)}")
        examples.append(Example(text, label, (row.get("topic") or "").strip(), (row.get("kind") or "").strip()))
    return examples


def bolcom_reviews(root: Path) -> EvalSet:
    """2,000 bol.com book reviews, binary (score 1 / -1); HTML entities unescaped."""
    with open(root / "bolcom_book_reviews" / "dev.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r]
    return EvalSet(
        "bolcom_reviews", "bol.com book reviews (binary)",
        tuple(html.unescape(text) for _, text in rows),
        tuple("pos" if int(score) > 0 else "neg" for score, _ in rows),
        ("neg", "pos"),
    )


def political_tweets(root: Path) -> EvalSet:
    """1,097 Dutch political tweets (2020), hand-annotated neg/neu/pos; all splits."""
    with open(root / "political_tweets_polarity" / "polarity.derived.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return EvalSet(
        "political_tweets", "Dutch political tweets (3-class)",
        tuple(r["text"].strip() for r in rows),
        tuple(_LABEL_WORDS[r["label"].strip().lower()] for r in rows),
        LABELS,
    )


def semeval_restaurants(root: Path) -> EvalSet:
    """SemEval-2016 Dutch restaurant sentences whose opinions share one polarity.

    Sentences without annotated opinions, and sentences with conflicting polarities,
    have no single sentence label and are left out.
    """
    tree = ET.parse(root / "semeval2016_dutch_restaurants" / "restaurants_dutch_training.xml")
    texts, labels = [], []
    for sentence in tree.iter("sentence"):
        polarities = {o.get("polarity") for o in sentence.iter("Opinion")}
        text = (sentence.findtext("text") or "").strip()
        if len(polarities) == 1 and text:
            texts.append(text)
            labels.append(_LABEL_WORDS[polarities.pop() or ""])
    return EvalSet("semeval_restaurants", "SemEval-2016 Dutch restaurant sentences (3-class)",
                   tuple(texts), tuple(labels), LABELS)


EVAL_SETS = {"bolcom_reviews": bolcom_reviews, "political_tweets": political_tweets,
             "semeval_restaurants": semeval_restaurants}


def load_eval_sets(root: Path, names: list[str] | None = None) -> list[EvalSet]:
    return [EVAL_SETS[name](root) for name in (names or list(EVAL_SETS))]
