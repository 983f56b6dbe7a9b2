"""Validating aspect tagging and aspect sentiment on SemEval-2016 Dutch restaurant reviews.

The data (``../shared/data/semeval2016_dutch_restaurants``, research licence) is read where
it is and never copied into the repository. Its sentences carry opinions with an aspect
category and a polarity. Categories that correspond to one of our aspects are mapped;
the others (ambience, location, the restaurant in general, menu choice) have no
counterpart and are left out of the scores:

    SERVICE#GENERAL                                   -> customer_service
    FOOD#QUALITY, DRINKS#QUALITY                      -> product_quality
    FOOD#PRICES, DRINKS#PRICES, RESTAURANT#PRICES     -> price

Tagging is scored per (sentence, mapped aspect): precision and recall of our tags against
the sentences that hold an opinion of that category. Aspect sentiment is the label our
pipeline gives the aspect (the sentiment of the sentence that mentions it), compared with
the gold polarity where the sentence's opinions on that aspect agree.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from insights.aspects import AspectTagger
from insights.report import num, pct, table

SEMEVAL_MAP = {
    "SERVICE#GENERAL": "customer_service",
    "FOOD#QUALITY": "product_quality",
    "DRINKS#QUALITY": "product_quality",
    "FOOD#PRICES": "price",
    "DRINKS#PRICES": "price",
    "RESTAURANT#PRICES": "price",
}
MAPPED = ("customer_service", "price", "product_quality")
POLARITY = {"positive": "pos", "negative": "neg", "neutral": "neu"}
SEMEVAL_FILE = "restaurants_dutch_training.xml"


def default_semeval_dir() -> Path:
    """``../shared/data/semeval2016_dutch_restaurants`` next to the repository."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "semeval2016_dutch_restaurants"


@dataclass(frozen=True)
class GoldSentence:
    sentence_id: str
    text: str
    aspects: dict[str, str]  # mapped aspect -> 'pos' | 'neg' | 'neu' | 'conflict'


def load_semeval(folder: Path) -> list[GoldSentence]:
    path = Path(folder) / SEMEVAL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: SemEval-2016 Dutch restaurants file not found")
    sentences = []
    for node in ET.parse(path).getroot().iter("sentence"):
        text = (node.findtext("text") or "").strip()
        gold: dict[str, str] = {}
        for opinion in node.iter("Opinion"):
            aspect = SEMEVAL_MAP.get(opinion.get("category", ""))
            if aspect is None:
                continue
            polarity = POLARITY.get(opinion.get("polarity", ""), "neu")
            gold[aspect] = polarity if gold.get(aspect, polarity) == polarity else "conflict"
        sentences.append(GoldSentence(node.get("id", ""), text, gold))
    return sentences


@dataclass
class AspectScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else None

    def count(self, in_gold: bool, in_pred: bool) -> None:
        """One sentence's verdict for this aspect."""
        self.tp += in_gold and in_pred
        self.fp += in_pred and not in_gold
        self.fn += in_gold and not in_pred


def micro_score(per_aspect: dict[str, AspectScore]) -> AspectScore:
    """Every aspect's counts together (micro-averaged precision/recall)."""
    total = AspectScore()
    for s in per_aspect.values():
        total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
    return total


def aspect_table(per_aspect: dict[str, AspectScore]) -> str:
    """Gold, TP, FP, FN, precision, recall and F1 per aspect, then the micro row."""
    rows = [[aspect, s.tp + s.fn, s.tp, s.fp, s.fn, num(s.precision), num(s.recall), num(s.f1)]
            for aspect, s in (*per_aspect.items(), ("micro", micro_score(per_aspect)))]
    return table(["Aspect", "Gold", "TP", "FP", "FN", "Precision", "Recall", "F1"], rows, right=range(1, 8))


@dataclass
class ValidationReport:
    sentences: int
    tagger_version: str
    per_aspect: dict[str, AspectScore] = field(default_factory=dict)
    model_id: str | None = None
    sentiment_tagged: Counter = field(default_factory=Counter)  # (gold, predicted): tagged pairs, aspect clause
    sentiment_gold: Counter = field(default_factory=Counter)    # (gold, predicted): all gold pairs, whole sentence

    @property
    def micro(self) -> AspectScore:
        return micro_score(self.per_aspect)

    @staticmethod
    def accuracy(confusion: Counter) -> float | None:
        n = sum(confusion.values())
        return sum(v for (g, p), v in confusion.items() if g == p) / n if n else None

    @staticmethod
    def macro_f1(confusion: Counter) -> float | None:
        scores = []
        for label in ("neg", "neu", "pos"):
            tp = confusion[(label, label)]
            fp = sum(v for (g, p), v in confusion.items() if p == label and g != label)
            fn = sum(v for (g, p), v in confusion.items() if g == label and p != label)
            scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
        return sum(scores) / 3 if confusion else None

    def render(self) -> str:
        out = [
            f"SemEval-2016 Dutch restaurants: {self.sentences} sentences, tagger {self.tagger_version}",
            "",
            aspect_table({aspect: self.per_aspect[aspect] for aspect in MAPPED}),
        ]
        if self.model_id:
            out += [
                "",
                f"Aspect sentiment with {self.model_id} (gold polarity where a sentence's opinions on the aspect agree):",
                f"  as the pipeline does it, on correctly tagged pairs (aspect clause): n={sum(self.sentiment_tagged.values())}, "
                f"accuracy {pct(self.accuracy(self.sentiment_tagged))}, macro-F1 {num(self.macro_f1(self.sentiment_tagged))}",
                "    gold -> predicted: " + ", ".join(
                    f"{g}->{p} {v}" for (g, p), v in sorted(self.sentiment_tagged.items())),
                f"  whole-sentence label, on all gold pairs:                   n={sum(self.sentiment_gold.values())}, "
                f"accuracy {pct(self.accuracy(self.sentiment_gold))}, macro-F1 {num(self.macro_f1(self.sentiment_gold))}",
            ]
        return "\n".join(out)


def validate_aspects(sentences: list[GoldSentence], tagger: AspectTagger, scorer=None) -> ValidationReport:
    """Tagging precision/recall per mapped aspect, and aspect-sentiment accuracy with ``scorer``."""
    report = ValidationReport(len(sentences), tagger.version, {a: AspectScore() for a in MAPPED})
    predicted = [set(tagger.tag_sentence(s.text)) & set(MAPPED) for s in sentences]
    for s, pred in zip(sentences, predicted, strict=True):
        for aspect in MAPPED:
            report.per_aspect[aspect].count(aspect in s.aspects, aspect in pred)
    if scorer is not None:
        report.model_id = scorer.model_id
        units = {s.sentence_id: tagger.clauses(s.text) for s in sentences if s.aspects}
        texts = [s.text for s in sentences if s.aspects] + [u for parts in units.values() for u, _ in parts]
        scores = dict(zip(texts, scorer.score(texts), strict=True))
        for s, pred in zip(sentences, predicted, strict=True):
            for aspect, polarity in s.aspects.items():
                if polarity == "conflict":
                    continue
                report.sentiment_gold[(polarity, scores[s.text].label)] += 1
                mine = [scores[u] for u, tags in units[s.sentence_id] if aspect in tags]
                if aspect in pred and mine:
                    report.sentiment_tagged[(polarity, mean_label(mine))] += 1
    return report


def mean_label(scores: list) -> str:
    """The label of several units' scores together, as the mention_aspects view forms it."""
    p = [sum(getattr(x, f) for x in scores) / len(scores) for f in ("p_neg", "p_neu", "p_pos")]
    if p[0] >= p[1] and p[0] >= p[2]:
        return "neg"
    return "pos" if p[2] >= p[1] else "neu"
