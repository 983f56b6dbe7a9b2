"""`model adapt`: a head adapted to a brand's own star ratings, compared honestly with the base,
used only when it is better; corrections count extra; every scoring step then uses it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sentiment.adapt import (
    CORRECTION_WEIGHT,
    AdaptError,
    adapt_head,
    label_from_rating,
)
from sentiment.head import fit_logistic

QUICK = {"folds": 3, "candidates": (0.1, 1.0)}  # fewer fits where the defaults are not the point


def _domain(seed: int, n: int = 400, dim: int = 24) -> tuple[np.ndarray, list[str], tuple[np.ndarray, np.ndarray]]:
    """Features where the brand's reviews carry their verdict on a direction the base head ignores."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n) * 2  # neg (0) or pos (2)
    x = rng.normal(size=(n, dim))
    x[:, 0] += np.where(y == 2, 1.5, -1.5)  # the brand's signal
    x[:, 1] += np.where(y == 2, 0.25, -0.25)  # what the base head reads: weak here
    base_w = np.zeros((3, dim))
    base_w[0, 1], base_w[2, 1] = -2.0, 2.0
    return x, ["neg" if v == 0 else "pos" for v in y], (base_w, np.zeros(3))


def test_star_ratings_map_to_labels_on_any_scale():
    five = [(r - 1) / 4 for r in (1, 2, 3, 4, 5)]
    assert [label_from_rating(v) for v in five] == ["neg", "neg", "neu", "pos", "pos"]
    ten = [(r - 1) / 9 for r in range(1, 11)]
    assert [label_from_rating(v) for v in ten] == ["neg"] * 3 + ["neu"] * 3 + ["pos"] * 4


def test_the_adapted_head_beats_the_base_on_held_out_reviews_of_the_brand():
    x, labels, base = _domain(1)
    (w, b), report = adapt_head(x, labels, [f"author{i}" for i in range(len(labels))], base, folds=3,
                                candidates=(0.003, 0.3))
    assert report.base_accuracy < 0.7 < 0.88 < report.adapted_accuracy  # the Bayes rate here is ~0.93
    assert report.gain == pytest.approx(report.adapted_accuracy - report.base_accuracy)
    fresh, fresh_labels, _ = _domain(2)
    pred = np.where((fresh @ w.T + b)[:, 2] >= (fresh @ w.T + b)[:, 0], "pos", "neg")
    assert np.mean(pred == np.array(fresh_labels)) > 0.88, "the final head generalises to new reviews"


def test_no_review_is_scored_by_a_head_that_saw_it():
    """Pure noise labels: a head that saw its test reviews would look better than chance."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 40))
    labels = list(rng.choice(["neg", "pos"], 300))
    _, report = adapt_head(x, labels, [f"a{i}" for i in range(300)], (np.zeros((3, 40)), np.zeros(3)), **QUICK)
    assert report.adapted_accuracy < 0.6


def test_one_authors_reviews_stay_in_one_fold():
    """Twenty copies per author: grouped folds keep the copies out of their own test fold."""
    rng = np.random.default_rng(4)
    authors = [f"a{i}" for i in range(40) for _ in range(20)]
    x = np.repeat(rng.normal(size=(40, 30)), 20, axis=0) + rng.normal(scale=0.01, size=(800, 30))
    labels = list(np.repeat(rng.choice(["neg", "pos"], 40), 20))
    _, report = adapt_head(x, labels, authors, (np.zeros((3, 30)), np.zeros(3)), **QUICK)
    assert report.adapted_accuracy < 0.75, "memorised authors would give ~1.0"


def test_adapting_is_deterministic():
    x, labels, base = _domain(5, n=200)
    groups = [f"a{i}" for i in range(200)]
    (w1, b1), r1 = adapt_head(x, labels, groups, base, **QUICK)
    (w2, b2), r2 = adapt_head(x, labels, groups, base, **QUICK)
    assert r1 == r2 and np.array_equal(w1, w2) and np.array_equal(b1, b2)


def test_too_few_or_one_sided_reviews_are_refused():
    x, labels, base = _domain(6, n=40)
    with pytest.raises(AdaptError, match="need at least"):
        adapt_head(x, labels, [str(i) for i in range(40)], base)
    x, _, base = _domain(7, n=200)
    with pytest.raises(AdaptError, match="0 negative"):
        adapt_head(x, ["pos"] * 200, [str(i) for i in range(200)], base)


def test_reviews_all_by_one_author_cannot_be_compared_and_are_refused():
    x, labels, base = _domain(10, n=200)
    with pytest.raises(AdaptError, match="at least 2 different authors"):
        adapt_head(x, labels, ["same-author"] * 200, base, **QUICK)


def test_corrections_weigh_more_than_star_ratings():
    """One row with two opposite labels: the corrected one wins by its weight."""
    x = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [-1.0, 0.0]])
    y = np.array([0, 2, 0, 2])
    weights = np.array([CORRECTION_WEIGHT, 1.0, 1.0, CORRECTION_WEIGHT])
    w, b = fit_logistic(x, y, 1e-3, sample_weight=weights)
    logits = x @ w.T + b
    assert logits[0, 0] > logits[0, 2] and logits[2, 2] > logits[2, 0]


def test_the_prior_keeps_what_the_brands_reviews_do_not_show():
    """Star ratings rarely carry neutral texts: the adapted head keeps the base's neutral class."""
    x, labels, (base_w, base_b) = _domain(8)
    base_w = base_w.copy()
    base_w[1, 2] = 3.0  # the base reads feature 2 as neutral
    (w, _), _ = adapt_head(x, labels, [f"a{i}" for i in range(len(labels))], (base_w, base_b), **QUICK)
    assert w[1, 2] > 1.5


def test_the_adapted_head_reads_the_directions_the_reviews_spread_along():
    """A direction that separates the brand's reviews only on a tiny scale (an artefact of a few
    reviews) must not take over the head: the prior is on the embedding's own scale."""
    rng = np.random.default_rng(9)
    y = np.arange(400) % 2
    sign = 2.0 * y - 1.0
    x = np.column_stack([sign + rng.normal(0.0, 1.0, 400), 0.01 * sign + rng.normal(0.0, 0.001, 400)])
    labels = ["pos" if v else "neg" for v in y]
    (w, _), _ = adapt_head(x, labels, [f"a{i}" for i in range(400)], (np.zeros((3, 2)), np.zeros(3)), folds=3,
                           candidates=(1e-3,))
    contribution = np.abs(w[2] - w[0]) * x.std(0)
    assert contribution[0] > 0.95 * contribution.sum()


# --- the whole command on a warehouse (real encoder: slow) -----------------------------------

_REVIEWS = {
    "pos": ["Snel geleverd en netjes verpakt, prima.", "Alles liep vlot, zoals het hoort.",
            "Vriendelijke hulp van de klantenservice, top!", "Goede kwaliteit voor een eerlijke prijs.",
            "Probleemloos besteld, geen gedoe.", "Dikke aanrader, ik bestel hier vaker."],
    "neg": ["Pakket nooit aangekomen en niemand reageert.", "Drie weken wachten op mijn geld, schandalig.",
            "Kapot geleverd en retour werd geweigerd.", "Klantenservice onbereikbaar, nooit meer.",
            "Verkeerde maat gestuurd en dan nog verzendkosten betalen.", "Echt klantvriendelijk, zeg... niet dus."],
}


@pytest.mark.slow
def test_model_adapt_records_the_comparison_and_scoring_switches_to_the_accepted_head(tmp_path: Path, monkeypatch):
    from flows.adapt import adapt_model
    from flows.steps import configured_scorer, score_pending
    from klantstem.config import MonitorConfig
    from tests.warehouse_helpers import row, table
    from warehouse.connection import connect
    from warehouse.corrections import Correction, record
    from warehouse.load import upsert_mentions
    from warehouse.migrate import migrate
    from warehouse.models import scoring_model

    # Scores carry the head's id plus the precision's suffix (+onnx-int8 on CPUs without AMX):
    # pinned to exact fp32 so that the ids compared below are the head's alone.
    monkeypatch.setenv("KLANTSTEM_PRECISION", "fp32")
    rows = []
    for i in range(90):
        verdict = "pos" if i % 2 else "neg"
        text = f"{_REVIEWS[verdict][i % 6]} Bestelling {i}."
        rows.append(row(f"r{i}", day=i % 30, text=text, title=None, author=f"auth{i % 45}",
                        rating=5 if verdict == "pos" else 1, rating_normalised=1.0 if verdict == "pos" else 0.0))
    config = MonitorConfig.model_validate({
        "brands": [{"name": "Snelkoop", "own": True, "sources": [{"type": "jsonld", "url": "https://example.nl/r"}]}],
        "warehouse": {"path": str(tmp_path / "wh.duckdb")},
    })
    with connect(config.warehouse.path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))
    score_pending(config)
    with connect(config.warehouse.path) as con:
        first = con.execute("SELECT mention_id FROM mentions ORDER BY external_id LIMIT 1").fetchall()[0][0]
        record(con, [Correction(first, "neu", "anna", "test")])

    outcome = adapt_model(config, min_gain=-1.0)  # accept whatever the comparison says: the switch is tested
    assert outcome.active and outcome.model_id.startswith("e5-small-nl-adapted@")
    assert outcome.report.n_examples == 90 and outcome.report.n_corrections == 1
    assert "cross-fitted" in outcome.describe()
    meta = json.loads(outcome.head_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["base_model_id"] == outcome.base_model_id and meta["model"] == "e5-small-nl-adapted"
    assert scoring_model(config.warehouse.path, "e5-small-nl") == str(outcome.head_path)
    assert configured_scorer(config).model_id == outcome.model_id

    summary = score_pending(config)
    assert summary.model_id == outcome.model_id and summary.scored == 90, "every mention is re-scored once"
    assert score_pending(config).scored == 0
    with connect(config.warehouse.path, read_only=True) as con:
        models = con.execute("SELECT model_id, accepted, active FROM sentiment_models").fetchall()
        assert models == [(outcome.model_id, True, True)]
        assert con.execute("SELECT sentiment FROM mentions_scored WHERE mention_id = ?", [first]).fetchall() == \
            [("neu",)], "the correction still wins over the new model"


@pytest.mark.slow
def test_a_head_that_is_not_better_is_saved_but_not_used(tmp_path: Path):
    from flows.adapt import adapt_model
    from flows.steps import configured_scorer
    from klantstem.config import MonitorConfig
    from tests.warehouse_helpers import row, table
    from warehouse.connection import connect
    from warehouse.load import upsert_mentions
    from warehouse.migrate import migrate
    from warehouse.models import scoring_model

    rows = [row(f"r{i}", text=f"{_REVIEWS['pos' if i % 2 else 'neg'][i % 6]} ({i})", title=None,
                author=f"auth{i}", rating_normalised=1.0 if i % 2 else 0.0) for i in range(80)]
    config = MonitorConfig.model_validate({
        "brands": [{"name": "Snelkoop", "own": True, "sources": [{"type": "jsonld", "url": "https://example.nl/r"}]}],
        "warehouse": {"path": str(tmp_path / "wh.duckdb")},
    })
    with connect(config.warehouse.path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))
    outcome = adapt_model(config, min_gain=1.0)  # nothing can gain 100 points
    assert not outcome.accepted and not outcome.active and outcome.head_path.is_file()
    assert "the base model stays" in outcome.describe()
    assert scoring_model(config.warehouse.path, "e5-small-nl") == "e5-small-nl"
    meta = json.loads(outcome.head_path.with_suffix(".json").read_text(encoding="utf-8"))
    precision = configured_scorer(config).precision
    assert meta["features"].endswith(f"({precision} encoder)"), "fitted on the embeddings it will score with"
