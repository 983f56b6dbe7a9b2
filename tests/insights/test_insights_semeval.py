"""Aspect tagging checked against people's labels: SemEval-2016 Dutch restaurant reviews
(``../shared/data``, read in place, never copied). Skipped where the data is absent.

The shipped lists are written for shops and webshops, so on restaurant reviews they find
prices but hardly food or waiting staff; the hospitality example list (insights/
aspects_horeca.toml) is what a restaurant would configure. These floors guard against
regressions; the measured numbers are in the README (Insights, validation).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from insights.aspects import AspectTagger, load_lexicon
from insights.validate import GoldSentence, default_semeval_dir, load_semeval, validate_aspects

DATA = default_semeval_dir()
pytestmark = pytest.mark.skipif(not (DATA / "restaurants_dutch_training.xml").is_file(),
                                reason=f"SemEval-2016 Dutch data not at {DATA}")


@pytest.fixture(scope="module")
def gold() -> list[GoldSentence]:
    return load_semeval(DATA)


def test_the_gold_standard_is_read_and_mapped(gold: list[GoldSentence]) -> None:
    assert len(gold) == 1722
    assert gold[0].text == "Lange wachttijd." and gold[0].aspects == {"customer_service": "neg"}
    assert sum("price" in s.aspects for s in gold) == 100


def test_shipped_lists_tag_prices_well_and_little_else_wrongly(gold: list[GoldSentence]) -> None:
    report = validate_aspects(gold, AspectTagger(load_lexicon()))
    price, service = report.per_aspect["price"], report.per_aspect["customer_service"]
    assert price.recall >= 0.85 and price.precision >= 0.6
    assert service.precision >= 0.7


def test_the_hospitality_list_finds_food_and_service(gold: list[GoldSentence]) -> None:
    horeca = Path(str(resources.files("insights").joinpath("aspects_horeca.toml")))
    report = validate_aspects(gold, AspectTagger(load_lexicon(horeca)))
    micro = report.micro
    assert micro.precision >= 0.6 and micro.recall >= 0.65
    assert report.per_aspect["product_quality"].recall >= 0.7
    assert report.per_aspect["customer_service"].precision >= 0.8


class _ThumbsScorer:
    """Stands in for a sentiment model: checks the bookkeeping of the sentiment scores."""

    model_id = "thumbs"

    def score(self, texts, progress=False):
        from tests.insights.test_insights_pipeline import FakeScorer

        return FakeScorer().score(texts)


def test_aspect_sentiment_is_scored_per_aspect_clause(gold: list[GoldSentence]) -> None:
    sample = [s for s in gold if s.aspects][:200]
    report = validate_aspects(sample, AspectTagger(load_lexicon()), _ThumbsScorer())
    assert report.model_id == "thumbs"
    assert sum(report.sentiment_gold.values()) == sum(
        1 for s in sample for p in s.aspects.values() if p != "conflict")
    assert 0 < sum(report.sentiment_tagged.values()) <= sum(report.sentiment_gold.values())
