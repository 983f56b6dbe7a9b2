"""Read the project's training texts and the evaluation sets: the project's own written held-out
sets and the (evaluation-only) shared Dutch corpora.

The shared corpora may not be redistributed or trained on (see ../shared/data/SOURCES.md);
they are read in place, only to measure models, and a user's clone does not have them. The
written held-out sets (``data/heldout``) ship with the project: texts written like the training
texts but in kinds and domains the training set has little of, never trained on, so every
clone can measure how the default carries over. Each loader returns texts with gold labels in
the project's neg/neu/pos vocabulary.
"""

from __future__ import annotations

import csv
import html
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .labels import LABELS

TRAIN_DIR = Path(__file__).resolve().parent / "data" / "train"
HELDOUT_DIR = Path(__file__).resolve().parent / "data" / "heldout"
_LABEL_WORDS = {"negative": "neg", "neutral": "neu", "positive": "pos", "neg": "neg", "neu": "neu", "pos": "pos"}
#: Columns every training file has; ``domain`` and ``locale`` are optional (blank when absent).
TRAIN_COLUMNS = ("text", "label", "domain", "topic", "kind", "locale")


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # neg / neu / pos
    topic: str
    kind: str
    domain: str = ""
    locale: str = ""


@dataclass(frozen=True)
class EvalSet:
    """A labelled corpus; ``classes`` is ("neg", "pos") for binary sets."""

    name: str
    description: str
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    classes: tuple[str, ...]
    locales: tuple[str, ...] = ()  # per text, where the set records it (the written sets)


def training_files(path: Path = TRAIN_DIR) -> list[Path]:
    """The CSV files a training path stands for: the file itself, or every ``*.csv`` in a folder (sorted)."""
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            raise ValueError(f"{path}: no *.csv training files in this folder")
        return files
    if not path.is_file():
        raise ValueError(f"training data not found: {path}")
    return [path]


def load_training(path: Path = TRAIN_DIR) -> list[Example]:
    """Rows of one training CSV or of every CSV in a folder, in file order.

    Columns ``text,label[,domain],topic,kind[,locale]``; label is negative/neutral/positive
    (or neg/neu/pos). A text that occurs twice (also across files) is refused: it would
    weigh double and leak across cross-validation folds.
    """
    examples: list[Example] = []
    seen: dict[str, str] = {}
    for file in training_files(path):
        with open(file, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        for n, row in enumerate(rows, start=2):
            label = _LABEL_WORDS.get((row.get("label") or "").strip().lower())
            text = (row.get("text") or "").strip()
            if label is None or not text:
                raise ValueError(f"{file}:{n}: need a text and a label in {sorted(_LABEL_WORDS)}")
            key = " ".join(text.lower().split())
            if key in seen:
                raise ValueError(f"{file}:{n}: duplicate text (also in {seen[key]})")
            seen[key] = f"{file.name}:{n}"
            examples.append(Example(text, label, *((row.get(c) or "").strip() for c in ("topic", "kind", "domain",
                                                                                       "locale"))))
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


SHARED_SETS = {"bolcom_reviews": bolcom_reviews, "political_tweets": political_tweets,
               "semeval_restaurants": semeval_restaurants}
#: The project's written held-out sets (name -> file in ``data/heldout``; sentiment/data/README.md).
WRITTEN_SETS = {"written_products": "product_reviews.csv", "written_services": "service_reviews.csv",
                "written_sentences": "review_sentences.csv", "written_posts": "news_posts.csv",
                "written_french": "french.csv"}
EVAL_SET_NAMES = (*SHARED_SETS, *WRITTEN_SETS)


def written_set(name: str, folder: Path = HELDOUT_DIR) -> EvalSet:
    """One written held-out set (3-class), read with the training loader's checks."""
    examples = load_training(folder / WRITTEN_SETS[name])
    return EvalSet(name, f"written held-out {WRITTEN_SETS[name].removesuffix('.csv').replace('_', ' ')} (3-class)",
                   tuple(e.text for e in examples), tuple(e.label for e in examples), LABELS,
                   tuple(e.locale for e in examples))


def by_locale(eval_set: EvalSet) -> list[EvalSet]:
    """The set split by its texts' locale (``written_products[nl-BE]``, ...): Flemish and Belgian
    French readers are a large part of many brands' customers, and one figure would hide them."""
    if not eval_set.locales:
        return [eval_set]
    parts = []
    for locale in sorted(set(eval_set.locales)):
        rows = [i for i, loc in enumerate(eval_set.locales) if loc == locale]
        parts.append(EvalSet(f"{eval_set.name}[{locale}]", f"{eval_set.description}, {locale}",
                             tuple(eval_set.texts[i] for i in rows), tuple(eval_set.labels[i] for i in rows),
                             eval_set.classes, (locale,) * len(rows)))
    return parts


def load_eval_sets(root: Path | None, names: list[str] | None = None) -> list[EvalSet]:
    """The named sets; by default every written set, and the shared ones when ``root`` (the shared
    data folder) is given. A shared set asked for without ``root`` is a one-line error."""
    if names is None:
        names = [*(SHARED_SETS if root is not None else ()), *WRITTEN_SETS]
    sets = []
    for name in names:
        if name in WRITTEN_SETS:
            sets.append(written_set(name))
        elif root is None:
            raise ValueError(f"evaluation set {name!r} needs the shared data folder: set KLANTSTEM_SHARED_DATA "
                             "or pass --data")
        else:
            sets.append(SHARED_SETS[name](root))
    return sets
