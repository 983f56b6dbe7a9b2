"""Validating journey-step tagging in French and English on sets written for Klantstem.

``insights/validation/journey_<lang>.tsv`` (``insights/validation/README.md`` says how they
were written): one sentence per row with its gold journey steps ("-" for none). Scored per
(sentence, aspect) over all eight aspects, like the Dutch SemEval validation per mapped
aspect, plus the share of sentences with a gold step that get at least one step (the
"journey step found" share a dashboard shows per language).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources

from insights.aspects import AspectTagger
from insights.report import num
from insights.validate import AspectScore, aspect_table, micro_score

JOURNEY_SETS = ("fr", "en")


@dataclass(frozen=True)
class JourneySentence:
    text: str
    aspects: frozenset[str]


def load_journey_set(language: str) -> list[JourneySentence]:
    """The shipped validation sentences of ``language`` (one of ``JOURNEY_SETS``)."""
    text = resources.files("insights").joinpath("validation", f"journey_{language}.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [JourneySentence(r["sentence"], frozenset(a for a in r["aspects"].split(",") if a != "-")) for r in rows]


@dataclass
class JourneyReport:
    language: str
    tagger_version: str
    sentences: int
    with_step: int = 0           # sentences with a gold step
    found_step: int = 0          # ... of which the tagger gives at least one step
    per_aspect: dict[str, AspectScore] = field(default_factory=dict)

    @property
    def micro(self) -> AspectScore:
        return micro_score(self.per_aspect)

    @property
    def step_found_share(self) -> float | None:
        return self.found_step / self.with_step if self.with_step else None

    def render(self) -> str:
        return "\n".join([
            f"Journey steps, {self.language}: {self.sentences} sentences written for Klantstem, tagger {self.tagger_version}",
            (f"sentences with a gold step that get a step: {self.found_step}/{self.with_step} "
             f"({num(self.step_found_share)})"),
            "",
            aspect_table(self.per_aspect),
        ])


def validate_journey(sentences: list[JourneySentence], tagger: AspectTagger) -> JourneyReport:
    """Precision/recall of ``tagger`` per aspect on ``sentences``."""
    keys = [a.key for a in tagger.lexicon.aspects]
    report = JourneyReport(tagger.language, tagger.version, len(sentences), per_aspect={k: AspectScore() for k in keys})
    for s in sentences:
        predicted = set(tagger.tag_sentence(s.text))
        if s.aspects:
            report.with_step += 1
            report.found_step += bool(predicted)
        for aspect in keys:
            report.per_aspect[aspect].count(aspect in s.aspects, aspect in predicted)
    return report
