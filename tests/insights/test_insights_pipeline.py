"""The insights refresh: aspects with their own sentiment, grades and NPS, the competitor
benchmark, key drivers and emerging topics, computed incrementally into the warehouse."""

from __future__ import annotations

import random
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from insights.pipeline import refresh_insights
from klantstem.config import MonitorConfig, parse_config
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores

AS_OF = date(2026, 11, 30)  # warehouse_helpers.BASE_DAY is 2026-11-01 = day 0

NEGATIVE = ("slecht", "traag", "laat", "kapot", "kwijt", "nooit", "duur", "waardeloos", "teleurgesteld", "onbeschoft")
POSITIVE = ("goed", "snel", "top", "prima", "vriendelijk", "netjes", "super", "fijn", "geweldig", "goedkoop")


@dataclass(frozen=True)
class FakeScore:
    """Same fields as sentiment.Score."""

    label: str
    score: float
    p_neg: float
    p_neu: float
    p_pos: float
    language: str | None = "nl"


class FakeScorer:
    """Keyword sentiment: enough to check what the pipeline does with scores."""

    def __init__(self, model_id: str = "fake@1") -> None:
        self.model_id = model_id
        self.seen: list[str] = []

    def score(self, texts: Sequence[str], progress: bool = False) -> list[FakeScore]:
        self.seen += list(texts)
        out = []
        for text in texts:
            low = text.lower()
            neg = sum(w in low for w in NEGATIVE)
            pos = sum(w in low for w in POSITIVE if not (w == "goed" and "goedkoop" in low))
            if neg > pos:
                out.append(FakeScore("neg", -0.8, 0.85, 0.1, 0.05))
            elif pos > neg:
                out.append(FakeScore("pos", 0.8, 0.05, 0.1, 0.85))
            else:
                out.append(FakeScore("neu", 0.0, 0.1, 0.8, 0.1))
        return out


def make_config(tmp_path: Path, extra: str = "") -> MonitorConfig:
    text = f"""
[[brands]]
name = "Snelkoop"
own = true
[[brands]]
name = "Winkelwagen"
[[brands]]
name = "Bestelhuis"
[warehouse]
path = "wh.duckdb"
{extra}
"""
    return parse_config(text, base=tmp_path)


def load(config: MonitorConfig, *rows: dict[str, Any], labels: dict[str, str] | None = None) -> None:
    """Load mentions; ``labels`` (external_id -> neg/neu/pos) stores mention-level scores."""
    with connect(config.warehouse.path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))
        if labels:
            ext = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
            pending = [p for p in pending_texts(con, "m") if ext[p.mention_id] in labels]
            store_scores(con, pa.Table.from_pylist(
                [{"mention_id": p.mention_id, "model_id": "m", "text_md5": p.text_md5,
                  "label": labels[ext[p.mention_id]], "score": {"neg": -0.8, "neu": 0.0, "pos": 0.8}[labels[ext[p.mention_id]]],
                  "p_neg": None, "p_neu": None, "p_pos": None, "language": "nl"} for p in pending],
                schema=SCORE_SCHEMA))


def query(config: MonitorConfig, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with connect(config.warehouse.path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def config(tmp_path: Path) -> MonitorConfig:
    return make_config(tmp_path)


def test_each_aspect_gets_the_sentiment_of_its_own_sentence_or_clause(config: MonitorConfig) -> None:
    load(config, row("a", title="Top winkel", text="De bezorging was traag, maar de klantenservice was vriendelijk."))
    result = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    got = query(config, "SELECT aspect, aspect_label, sentiment, terms FROM mention_aspects ORDER BY position")
    assert got == [
        ("delivery", "Bezorging", "neg", ["bezorging"]),
        ("customer_service", "Klantenservice", "pos", ["klantenservice"]),
        ("store", "Winkel", "pos", ["winkel"]),
    ]
    assert (result.mentions_tagged, result.aspect_sentences, result.sentences_scored) == (1, 3, 3)


def test_an_aspect_in_several_sentences_is_one_row_with_its_first_sentence_and_distinct_terms(
        config: MonitorConfig) -> None:
    load(config, row("a", title=None, text="De bezorger was onbeschoft. Bezorging duurde een week. De bezorging was traag."))
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    assert query(config, "SELECT aspect, sentences, terms, example FROM mention_aspects") == [
        ("delivery", 3, ["bezorger", "bezorging"], "De bezorger was onbeschoft."),
    ]


def test_refresh_is_incremental_new_or_edited_mentions_only_and_a_new_model_rescores(config: MonitorConfig) -> None:
    load(config, row("a", text="Pakket kwam te laat."), row("b", text="Prijs is prima."), row("c", text="Niets bijzonders."))
    first = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    again = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    assert (first.mentions_tagged, first.sentences_scored) == (3, 2)
    assert (again.mentions_tagged, again.sentences_scored) == (0, 0), "nothing is tagged or scored twice"

    load(config, row("b", text="Prijs is veel te duur geworden."), row("d", text="De app werkt goed."))
    edited = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    assert (edited.mentions_tagged, edited.sentences_scored) == (2, 2)
    assert query(config, "SELECT sentiment FROM mention_aspects WHERE aspect = 'price'") == [("neg",)]
    assert query(config, "SELECT count(*) FROM aspect_tags") == [(3,)], "the edited mention's old tags are gone"

    other_model = FakeScorer("fake@2")
    switched = refresh_insights(config, other_model, as_of=AS_OF)
    assert (switched.mentions_tagged, switched.sentences_scored) == (0, 3)
    assert query(config, "SELECT DISTINCT model_id FROM aspect_sentences") == [("fake@2",)]


def test_a_term_list_change_retags_everything_but_keeps_scores_of_unchanged_sentences(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    load(config, row("a", title="Levering", text="De bezorging was traag. Plastic verpakking overal."))
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    (tmp_path / "aspects.toml").write_text(
        '[aspects.sustainability]\nlabel = "Duurzaamheid"\nterms = ["plastic", "verpakking"]\n', encoding="utf-8")
    changed = make_config(tmp_path, '[insights]\naspects_file = "aspects.toml"')
    scorer = FakeScorer()
    result = refresh_insights(changed, scorer, as_of=AS_OF)
    assert result.mentions_tagged == 1
    assert scorer.seen == ["Plastic verpakking overal."], "only the newly tagged sentence is scored"
    assert query(changed, "SELECT label FROM insight_aspects WHERE aspect = 'sustainability'") == [("Duurzaamheid",)]


def test_without_a_scorer_the_configured_model_is_loaded_only_when_there_is_work(
    config: MonitorConfig, monitored_load: list[str]
) -> None:
    load(config, row("a", text="Niets over de reis."))
    refresh_insights(config, as_of=AS_OF)
    assert monitored_load == [], "no aspect sentences: no model load"
    load(config, row("b", text="Bezorging was snel."))
    result = refresh_insights(config, as_of=AS_OF)
    assert monitored_load == ["e5-small-nl"] and result.model_id == "fake@1"
    refresh_insights(config, as_of=AS_OF)
    assert monitored_load == ["e5-small-nl"], "everything scored by this model: not loaded again"
    load(config, row("c", text="Niets."), labels={"c": "neu"})  # the daily run now scores with another model
    result = refresh_insights(config, as_of=AS_OF)
    assert len(monitored_load) == 2 and (result.model_id, result.sentences_scored) == ("fake@2", 1)


@pytest.fixture
def monitored_load(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``sentiment.load_scorer`` replaced by a recorder (without importing torch)."""
    loads: list[str] = []

    def fake_load(model: str, **kwargs: Any) -> FakeScorer:
        loads.append(model)
        return FakeScorer(f"fake@{len(loads)}")  # each load: a newer version of the model

    fake = types.ModuleType("sentiment")
    fake.load_scorer = fake_load  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentiment", fake)
    return loads


def test_aspect_performance_shows_importance_and_how_well_each_brand_does(config: MonitorConfig) -> None:
    rows = [row(f"d{i}", text=t) for i, t in enumerate(
        ["Bezorging was traag.", "Bezorger was onbeschoft.", "Pakket kwijt.", "Bezorging prima.",
         "Prijs is goed.", "Niets te melden.", "Niets te melden.", "Niets te melden.", "Niets te melden.",
         "Niets te melden."])]
    rows.append(row("w1", brand="Winkelwagen", text="Bezorging was snel."))
    load(config, *rows)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    got = query(config, """SELECT brand, own, mentions, importance, negative, share_negative, mean_score
                           FROM aspect_performance WHERE aspect = 'delivery' ORDER BY brand""")
    assert got == [
        ("Snelkoop", True, 4, 0.4, 3, 0.75, pytest.approx(-0.4)),
        ("Winkelwagen", False, 1, 1.0, 0, 0.0, pytest.approx(0.8)),
    ]
    never = query(config, "SELECT mentions, importance, share_negative FROM aspect_performance "
                          "WHERE brand = 'Winkelwagen' AND aspect = 'returns'")
    assert never == [(0, 0.0, None)], "every brand x aspect has a row, also when nobody mentions it"


def test_stars_become_grades_with_nps_groups_and_the_three_levels(config: MonitorConfig) -> None:
    stars = [1, 2, 3, 3, 4, 4, 4, 5, 5, 5]
    rows = [row(f"s{i}", rating=s, rating_normalised=(s - 1) / 4) for i, s in enumerate(stars)]
    rows.append(row("ten", source="webshop-reviews", rating=7, rating_min=1, rating_max=10, rating_normalised=6 / 9))
    load(config, *rows)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    grades = dict(query(config, "SELECT rating, grade FROM mention_grades WHERE source = 'trustpilot'"))
    assert grades == {1: 2, 2: 4, 3: 6, 4: 8, 5: 10}
    assert query(config, "SELECT grade, level, nps_group FROM mention_grades WHERE source = 'webshop-reviews'") == [
        (7, "customer_focused", "passive")
    ]
    summary = query(config, """SELECT responses, share_promoters, share_passives, share_detractors, nps,
                                      share_unhappy, share_below_basics, share_basics, share_customer_focused,
                                      share_delight, level_of_mean
                               FROM satisfaction_summary WHERE brand = 'Snelkoop' AND source = 'trustpilot'""")
    assert summary == [(10, 0.3, 0.3, 0.4, -10.0, 0.4, 0.2, 0.2, 0.3, 0.3, "Klantgericht")]
    dist = query(config, "SELECT grade, responses, share FROM grade_distribution "
                         "WHERE brand = 'Snelkoop' AND source = 'trustpilot' ORDER BY grade")
    assert [d[0] for d in dist] == list(range(1, 11)), "every grade 1-10, also those nobody gave"
    assert [d[1] for d in dist] == [0, 1, 0, 1, 0, 2, 0, 3, 0, 3]
    assert sum(d[2] for d in dist) == pytest.approx(1.0)
    assert query(config, "SELECT responses FROM satisfaction_summary WHERE brand = 'Snelkoop' AND source = 'all'") == [(11,)]


def test_the_benchmark_puts_the_own_brand_beside_every_competitor(config: MonitorConfig) -> None:
    load(
        config,
        row("o1", text="Bezorging was traag."), row("o2", text="Bezorging was goed."),
        row("w1", brand="Winkelwagen", text="Bezorging was snel."),
        row("b1", brand="Bestelhuis", text="Bezorging slecht."), row("b2", brand="Bestelhuis", text="Bezorging traag."),
    )
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    got = query(config, """SELECT brand, own, share_negative, own_brand, own_share_negative, delta_share_negative,
                                  rank_share_negative
                           FROM competitor_benchmark WHERE aspect = 'delivery' ORDER BY brand_position""")
    assert got == [
        ("Snelkoop", True, 0.5, "Snelkoop", 0.5, 0.0, 2),
        ("Winkelwagen", False, 0.0, "Snelkoop", 0.5, -0.5, 1),
        ("Bestelhuis", False, 1.0, "Snelkoop", 0.5, 0.5, 3),
    ]
    overall = query(config, "SELECT brand, mentions FROM competitor_benchmark WHERE aspect = 'overall' ORDER BY brand_position")
    assert overall == [("Snelkoop", 2), ("Winkelwagen", 1), ("Bestelhuis", 2)]


def _driver_reviews(n: int = 80, seed: int = 3) -> list[dict[str, Any]]:
    """Grades driven by delivery (late in 40%); price, mostly praised, does not move the grade."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        late = rng.random() < 0.4
        price_good = rng.random() < 0.8
        stars = rng.choice([1, 2]) if late else rng.choice([4, 5])
        text = ("Bezorging was traag." if late else "Bezorging was snel.") + (
            " Prijs is prima." if price_good else " Prijs is duur.")
        rows.append(row(f"r{i}", text=text, rating=stars, rating_normalised=(stars - 1) / 4))
    return rows


def test_key_drivers_rank_the_aspect_whose_fix_raises_the_grade_most(config: MonitorConfig) -> None:
    load(config, *_driver_reviews())
    result = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    assert result.key_driver_rows == 2
    got = {r[0]: r[1:] for r in query(
        config, """SELECT aspect, impact, importance, p_value, gain_if_fixed, priority, quadrant
                   FROM key_driver_matrix WHERE brand = 'Snelkoop'""")}
    delivery, price = got["delivery"], got["price"]
    assert delivery[0] > 2 and delivery[2] < 0.001, "about 3.5 grade points per unit of delivery sentiment"
    assert delivery[1] > 0.9 > price[1], "delivery carries nearly all explained variance"
    assert delivery[3] > 0.5 > price[3], "lifting late deliveries to neutral adds over half a grade point"
    assert delivery[4] == 1 and delivery[5] == "fix_first"
    stored = query(config, "SELECT reviews, mentioned, relative_weight, r_squared FROM key_drivers "
                           "WHERE brand = 'Snelkoop' AND aspect = 'delivery'")
    assert stored[0][:2] == (80, 80) and stored[0][3] > 0.8


def test_key_drivers_need_enough_rated_reviews(config: MonitorConfig) -> None:
    load(config, *_driver_reviews(n=12))
    assert refresh_insights(config, FakeScorer(), as_of=AS_OF).key_driver_rows == 0


def test_emerging_topics_are_terms_rising_in_negative_mentions_this_week(config: MonitorConfig) -> None:
    rows, labels = [], {}
    for day in range(0, 23):  # baseline (4 weeks before the window): complaints about delivery
        for i in range(2):
            ext = f"b{day}-{i}"
            rows.append(row(ext, day=day, text="De bezorging was weer traag." if i else "Klantenservice onbeschoft."))
            labels[ext] = "neg"
    for day in range(23, 30):  # this week: lost parcels on top of the usual
        for i in range(3):
            ext = f"w{day}-{i}"
            text = ["De bezorging was weer traag.", "Klantenservice onbeschoft.", "Mijn pakket kwijt geraakt."][i]
            rows.append(row(ext, day=day, text=text))
            labels[ext] = "neg"
    rows.append(row("pos", day=29, text="Pakket kwijt maar snel opgelost, top!"))
    labels["pos"] = "pos"
    load(config, *rows, labels=labels)
    result = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    topics = {r[0]: r[1:] for r in query(
        config, "SELECT term, surface, window_count, window_negative, baseline_count, q_value, examples FROM emerging_topics")}
    assert {"kwijt", "pakket", "pakket kwijt"} <= set(topics)
    assert "bezorg" not in topics and "traag" not in topics, "a steady complaint is not emerging"
    surface, count, negative, base, q, examples = topics["pakket kwijt"]
    assert (surface, count, negative, base) == ("pakket kwijt", 7, 21, 0) and q < 0.05
    assert examples[0] == "Mijn pakket kwijt geraakt.", "examples are negative mentions of the window"
    assert result.emerging_terms == len(topics)
    assert query(config, "SELECT DISTINCT as_of, window_start FROM emerging_terms") == [(AS_OF, date(2026, 11, 24))]


def test_views_exist_before_any_refresh_and_are_empty(config: MonitorConfig) -> None:
    load(config, row("a"))
    for view in ("mention_aspect_sentiment", "mention_aspects", "aspect_performance", "key_driver_matrix",
                 "emerging_topics", "blind_spot_aspect_stats", "blind_spot_aspects", "blind_spot_terms"):
        assert query(config, f"SELECT count(*) FROM {view}") == [(0,)], view
