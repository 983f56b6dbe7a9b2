"""The daily run suggests `klantstem model adapt` when the brand's own stars could teach the model,
and stops suggesting it once someone has tried."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flows.steps import ADAPT_HINT_MIN_REVIEWS, adapt_hint
from flows.summary import RunSummary
from klantstem.config import MonitorConfig
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.models import AdaptedModel, record_adapted


def _config(tmp_path: Path, **sentiment: object) -> MonitorConfig:
    return MonitorConfig.model_validate({
        "brands": [{"name": "Snelkoop", "own": True, "sources": [{"type": "jsonld", "url": "https://example.nl/r"}]}],
        "warehouse": {"path": str(tmp_path / "wh.duckdb")},
        "sentiment": sentiment,
    })


def _reviews(config: MonitorConfig, stars: list[int]) -> None:
    rows = [row(f"r{i}", day=i % 20, rating=s, rating_normalised=(s - 1) / 4) for i, s in enumerate(stars)]
    with connect(config.warehouse.path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))


def test_enough_clear_star_ratings_suggest_adapting(tmp_path):
    config = _config(tmp_path)
    _reviews(config, [1, 5] * (ADAPT_HINT_MIN_REVIEWS // 2) + [3] * 40)
    hint = adapt_hint(config)
    assert hint is not None and hint.startswith(f"{ADAPT_HINT_MIN_REVIEWS} reviews with clear star ratings")
    assert "klantstem model adapt" in hint
    summary = RunSummary(run_id="r", as_of=date(2026, 12, 6), sources=[], model_id="m", scored=0, brands=[], hint=hint)
    assert summary.render().endswith(f"Tip: {hint}.")


def test_three_star_reviews_do_not_count_and_too_few_clear_ones_stay_silent(tmp_path):
    config = _config(tmp_path)
    _reviews(config, [2, 4] * (ADAPT_HINT_MIN_REVIEWS // 2 - 1) + [3] * 200)
    assert adapt_hint(config) is None


def test_no_hint_once_a_head_was_adapted_even_if_it_was_not_accepted(tmp_path):
    config = _config(tmp_path)
    _reviews(config, [1, 5] * ADAPT_HINT_MIN_REVIEWS)
    assert adapt_hint(config) is not None
    with connect(config.warehouse.path) as con:
        record_adapted(con, AdaptedModel("e5-small-nl-adapted@00000000", "e5-small-nl@11111111",
                                         tmp_path / "head.safetensors", 200, 0, 0.86, 0.86, 0.5, 0.5, False),
                       activate=False)
    assert adapt_hint(config) is None


def test_no_hint_for_models_adapt_cannot_train_or_when_adapted_heads_are_switched_off(tmp_path):
    stars = [1, 5] * ADAPT_HINT_MIN_REVIEWS
    hub = _config(tmp_path / "hub", model="robbert-v2-nl")
    _reviews(hub, stars)
    assert adapt_hint(hub) is None
    off = _config(tmp_path / "off", use_adapted=False)
    _reviews(off, stars)
    assert adapt_hint(off) is None
