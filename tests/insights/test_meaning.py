"""Sentence embeddings kept in the warehouse: stored with the score, searched by meaning,
indexed, near-duplicates flagged and left out of the spike counts, complaint themes.

Fast tests use ``WordEmbedder`` (embeddings from words); tests/insights/test_meaning_model.py runs
the real e5 model (slow)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from alerts.history import load_history
from insights.search import SearchError, embed_query, search
from insights.themes import (
    compute_themes,
    distinctive_terms,
    stopwords,
    store_themes,
    themes_report,
)
from tests.meaning_helpers import WordEmbedder, word_vector
from tests.warehouse_helpers import BASE_DAY, row, table
from warehouse.connection import connect
from warehouse.embeddings import build_lists, embedding_table, score_and_embed
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import pending_texts, score_table, store_scores

LOST = "Mijn pakket is nooit aangekomen en de klantenservice reageert al een week niet op mijn mails."


def score_all(con, scorer: WordEmbedder | None = None, keep: bool = True) -> None:
    scorer = scorer or WordEmbedder()
    pending = pending_texts(con, scorer.model_id)
    scores, vectors = score_and_embed(scorer, [p.text for p in pending], keep)
    embeddings = None if vectors is None else embedding_table(scorer.model_id, [p.text_md5 for p in pending], vectors)
    store_scores(con, score_table(scorer.model_id, [(p.mention_id, p.text_md5) for p in pending], scores), embeddings)


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "w.duckdb") as c:
        migrate(c)
        yield c


def test_each_text_is_stored_once_per_model_with_the_score(con) -> None:
    upsert_mentions(con, table(row("a", text=LOST), row("b", brand="Winkelwagen", text=LOST), row("c", day=1)))
    score_all(con)
    assert con.execute("SELECT count(*) FROM text_embeddings").fetchall() == [(2,)], "a and b share one text"
    linked = con.execute("SELECT count(*), count(DISTINCT text_md5) FROM mention_embeddings").fetchall()
    assert linked == [(3, 2)], "every scored mention reaches its vector through its score"
    score_all(con)
    assert con.execute("SELECT count(*) FROM text_embeddings").fetchall() == [(2,)], "nothing scored twice"


def test_an_edited_text_gets_a_vector_for_its_new_text(con) -> None:
    upsert_mentions(con, table(row("a", text=LOST)))
    score_all(con)
    upsert_mentions(con, table(row("a", text="Alles kwam netjes op tijd aan, heel tevreden.")))
    score_all(con)
    (similarity,) = con.execute(
        "SELECT array_inner_product(embedding, ?::FLOAT[384]) FROM mention_embeddings",
        [word_vector("Prima. Alles kwam netjes op tijd aan, heel tevreden.").tolist()]).fetchall()[0]
    assert similarity == pytest.approx(1.0, abs=1e-5)


def test_the_switch_turns_storage_off(con) -> None:
    upsert_mentions(con, table(row("a", text=LOST)))
    score_all(con, keep=False)
    assert con.execute("SELECT count(*) FROM sentiment_scores").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM text_embeddings").fetchall() == [(0,)]


def test_a_model_without_embeddings_stores_scores_only(con) -> None:
    class NoVectors(WordEmbedder):
        has_embeddings = False

    upsert_mentions(con, table(row("a", text=LOST)))
    score_all(con, NoVectors())
    assert con.execute("SELECT count(*), (SELECT count(*) FROM text_embeddings) FROM sentiment_scores").fetchall() == [(1, 0)]
    with pytest.raises(SearchError, match="no sentence embedding"):
        embed_query(NoVectors(), "pakket")


def test_search_ranks_by_meaning_and_applies_the_filters(con) -> None:
    upsert_mentions(con, table(
        row("lost1", text="Pakket nooit aangekomen, kwijt bij de bezorger."),
        row("lost2", brand="Winkelwagen", day=3, text="Mijn pakket is kwijt en nooit aangekomen."),
        row("happy", day=4, text="Snelle bezorging, alles netjes aangekomen."),
        row("app", day=5, text="De app crasht steeds bij het inloggen."),
    ))
    score_all(con)
    scorer = WordEmbedder()
    query = embed_query(scorer, "pakket nooit aangekomen kwijt")
    ids = [h.mention_id for h in search(con, query, scorer.model_id, limit=4)]
    external = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
    assert [external[i] for i in ids][:2] in (["lost1", "lost2"], ["lost2", "lost1"])
    assert external[ids[-1]] == "app"
    only = search(con, query, scorer.model_id, brand="Winkelwagen")
    assert [external[h.mention_id] for h in only] == ["lost2"]
    since = search(con, query, scorer.model_id, since=(BASE_DAY + timedelta(days=4)).date())
    assert {external[h.mention_id] for h in since} == {"happy", "app"}
    negative = search(con, query, scorer.model_id, negative=True)
    assert {external[h.mention_id] for h in negative} == {"lost1", "lost2"}
    con.execute("UPDATE warehouse_sync SET scores_rows = scores_rows + 1")  # as after a hand-written row
    assert search(con, query, scorer.model_id, negative=True) == negative, "the same answer from the base tables"
    assert [h.mention_id for h in search(con, query, scorer.model_id, limit=4)] == ids


def test_search_without_vectors_says_what_to_do(con) -> None:
    with pytest.raises(SearchError, match="store_embeddings"):
        search(con, np.zeros(384, np.float32), "e5-small-nl@x")


def test_the_index_finds_what_brute_force_finds(con) -> None:
    rng = np.random.default_rng(3)
    words = ["pakket", "kwijt", "laat", "app", "crash", "factuur", "dubbel", "retour", "geld", "winkel", "bezorger"]
    upsert_mentions(con, table(*[row(f"m{i}", day=i % 20, text=" ".join(rng.choice(words, 6))) for i in range(300)]))
    score_all(con)
    scorer = WordEmbedder()
    query = embed_query(scorer, "pakket kwijt bezorger")
    exact = [h.mention_id for h in search(con, query, scorer.model_id, limit=5)]
    assert build_lists(con, scorer.model_id, lists=6) == 6
    assert con.execute("SELECT count(*) FROM text_embeddings WHERE list_id IS NULL").fetchall() == [(0,)]
    assert con.execute("SELECT sum(size) FROM embedding_lists").fetchall()[0][0] == \
        con.execute("SELECT count(*) FROM text_embeddings").fetchall()[0][0]
    probed = [h.mention_id for h in search(con, query, scorer.model_id, limit=5, probes=6)]
    assert probed == exact, "probing every list is exact"
    one = search(con, query, scorer.model_id, limit=5, probes=1)
    assert one and one[0].mention_id == exact[0], "the nearest list holds the nearest text"
    upsert_mentions(con, table(row("late", day=25, text="pakket kwijt bezorger laat")))
    score_all(con)
    assert con.execute("SELECT count(*) FROM text_embeddings WHERE list_id IS NULL").fetchall() == [(0,)], \
        "texts stored after the index is built get their list"


def test_the_macros_search_from_a_stored_vector(con) -> None:
    upsert_mentions(con, table(row("a", text=LOST), row("b", day=1, text="Pakket nooit aangekomen, klantenservice reageert niet."),
                               row("c", day=2, text="Mooie winkel met vriendelijk personeel.")))
    score_all(con)
    a = con.execute("SELECT mention_id FROM mentions WHERE external_id = 'a'").fetchall()[0][0]
    b = con.execute("SELECT mention_id FROM mentions WHERE external_id = 'b'").fetchall()[0][0]
    assert con.execute("SELECT mention_id FROM more_like(?, k := 1)", [a]).fetchall() == [(b,)]
    top = con.execute("SELECT mention_id FROM search_vector((SELECT embedding FROM mention_embeddings "
                      "WHERE mention_id = ?), k := 1)", [a]).fetchall()
    assert top == [(a,)]


def test_copies_are_flagged_once_the_later_one_as_the_copy(con) -> None:
    upsert_mentions(con, table(row("orig", text=LOST), row("copy1", brand="Winkelwagen", day=1, text=LOST),
                               row("copy2", day=2, text=LOST + "!!"), row("short1", text="Top service!"),
                               row("short2", day=1, text="Top service!"),
                               row("other", day=1, text="Mijn pakket kwam beschadigd aan en de doos was helemaal ingedeukt.")))
    score_all(con)
    ext = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
    copies = {(ext[m], ext[o]) for m, o in con.execute("SELECT mention_id, original_id FROM mention_copies").fetchall()}
    assert copies == {("copy1", "orig"), ("copy2", "orig")}, "short texts and other complaints are independent voices"


def test_a_copy_edited_into_its_own_review_is_a_voice_again(con) -> None:
    upsert_mentions(con, table(row("orig", text=LOST), row("copy", day=1, text=LOST)))
    score_all(con)
    assert con.execute("SELECT count(*) FROM mention_copies").fetchall() == [(1,)]
    upsert_mentions(con, table(row("copy", day=1, text="Na twee weken eindelijk geleverd, maar de doos was nat en kapot.")))
    score_all(con)
    assert con.execute("SELECT count(*) FROM mention_copies").fetchall() == [(0,)]


def test_a_copy_loaded_before_its_original_is_still_the_copy(con) -> None:
    upsert_mentions(con, table(row("later", day=5, text=LOST)))
    score_all(con)
    upsert_mentions(con, table(row("earlier", day=1, text=LOST)))
    score_all(con)
    ext = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
    assert [(ext[m], ext[o]) for m, o in con.execute("SELECT mention_id, original_id FROM mention_copies").fetchall()] \
        == [("later", "earlier")]


def test_the_spike_rules_count_a_copy_paste_campaign_as_one_voice(con) -> None:
    upsert_mentions(con, table(*[row(f"c{i}", text=LOST, published_at=(BASE_DAY + timedelta(minutes=i)).isoformat())
                                 for i in range(20)], row("own", text="Prima bestelling, netjes bezorgd.")))
    score_all(con)
    history = load_history(con, BASE_DAY - timedelta(days=1), BASE_DAY + timedelta(days=1))
    scope = history.index[("Snelkoop", "all")]
    assert history.daily[scope].sum(axis=0)[0] == 2, "the 19 copies are not counted"


def _theme_history(con, as_of: date) -> None:
    """A brand whose complaints are about an app for four weeks, then about lost parcels."""
    rows = []
    for i in range(40):
        day = (as_of - timedelta(days=34) - BASE_DAY.date()).days + i * 28 // 40
        rows.append(row(f"app{i}", day=day, text=f"De app crasht weer bij het inloggen, klant {i} boos."))
    for i in range(12):
        day = (as_of - timedelta(days=2) - BASE_DAY.date()).days + i % 3
        rows.append(row(f"lost{i}", day=day, text=f"Pakket van Snelkoop nooit aangekomen, kwijt bij bezorger, klant {i} boos."))
    for i in range(6):
        day = (as_of - timedelta(days=5) - BASE_DAY.date()).days + i % 5
        rows.append(row(f"appnow{i}", day=day, text=f"De app crasht weer bij het inloggen, klant {100 + i} boos."))
    upsert_mentions(con, table(*rows))
    score_all(con)


def test_a_new_complaint_is_a_growing_theme_named_by_its_words(con) -> None:
    as_of = (BASE_DAY + timedelta(days=28)).date()
    _theme_history(con, as_of)
    window_start, model_id, themes = compute_themes(con, as_of, distance=0.3)
    assert model_id == WordEmbedder.model_id
    by_growth = sorted(themes, key=lambda t: -t.lift)
    lost = by_growth[0]
    assert lost.growing and lost.window_voices == 12 and lost.baseline_voices == 0
    assert {"pakket", "kwijt", "bezorger", "aangekomen"} & set(lost.terms.split(", "))
    assert "pakket" in lost.example.lower()
    app = [t for t in themes if "app" in t.terms]
    assert len(app) == 1 and not app[0].growing, "a steady complaint does not grow"
    assert sum(app[0].weekly_voices) == 46 and lost.weekly_voices[-1] == 12


def test_themes_keep_their_id_across_refreshes_and_are_reported(con) -> None:
    as_of = (BASE_DAY + timedelta(days=28)).date()
    _theme_history(con, as_of)
    for day in (as_of, as_of + timedelta(days=1)):
        start, model_id, themes = compute_themes(con, day, distance=0.3)
        store_themes(con, day, start, model_id, themes)
    ids = con.execute("SELECT as_of, theme_id, first_seen FROM theme_clusters ORDER BY as_of, theme_id").fetchall()
    first = {t for d, t, _ in ids if d == as_of}
    second = {t for d, t, _ in ids if d > as_of}
    assert first == second and len(first) == 2
    assert {f for d, _, f in ids if d > as_of} == {as_of}
    report = themes_report(con)
    assert "GROEIT" in report and "Snelkoop" in report
    assert con.execute("SELECT count(*) FROM complaint_themes WHERE growing").fetchall() == [(1,)]


def test_complaints_inside_positive_reviews_form_themes_one_voice_per_review(con) -> None:
    """A negative aspect sentence of a review that is positive as a whole is a complaint too;
    a review whose two sentences land in one theme counts once."""
    from warehouse.embeddings import insert_embeddings

    as_of = (BASE_DAY + timedelta(days=28)).date()
    _theme_history(con, as_of)
    day = (as_of - timedelta(days=1) - BASE_DAY.date()).days
    upsert_mentions(con, table(*(row(f"mixed{i}", day=day, text=f"Snelle levering en een fijne prijs, klant {i}.")
                                 for i in range(5))))
    score_all(con)
    sentences = [(f"mixed{i}", n, f"De retour duurde weken en het retourlabel was zoek{'!' * n}")
                 for i in range(5) for n in ((1, 2) if i == 0 else (1,))]
    ids = dict(con.execute("SELECT external_id, mention_id FROM mentions").fetchall())
    con.executemany("INSERT INTO aspect_sentences (mention_id, sentence_no, sentence, model_id, label, score) "
                    "VALUES (?, ?, ?, ?, 'neg', -0.8)",
                    [[ids[m], n, text, WordEmbedder.model_id] for m, n, text in sentences])
    vectors = np.array([word_vector(text) for _, _, text in sentences], dtype=np.float32)
    con.register("sentence_vectors", embedding_table(
        WordEmbedder.model_id, [hashlib.md5(text.encode()).hexdigest() for _, _, text in sentences], vectors))
    insert_embeddings(con, "sentence_vectors", of_mention=False)
    _, _, themes = compute_themes(con, as_of, distance=0.3)
    retour = [t for t in themes if "retour" in t.terms or "retourlabel" in t.terms]
    assert len(retour) == 1, [t.terms for t in themes]
    assert retour[0].window_voices == 5, "six sentences, five reviews"
    assert retour[0].example_id in {ids[f"mixed{i}"] for i in range(5)} and "retour" in retour[0].example.lower()
    assert retour[0].window_negative == 12 + 6 + 5, "lost parcels, app complaints this week and the mixed reviews"


def test_distinctive_terms_are_those_of_the_cluster_not_of_every_complaint() -> None:
    texts = ["pakket kwijt slecht", "pakket kwijt echt slecht", "app crasht slecht", "app crasht weer slecht"]
    terms = distinctive_terms(texts, np.array([0, 0, 1, 1]), 0, stopwords())
    assert terms[0] in ("pakket", "kwijt", "pakket kwijt") and "slecht" not in terms


def test_the_insights_refresh_keeps_aspect_sentence_vectors_and_computes_themes(tmp_path: Path) -> None:
    from insights.pipeline import refresh_insights
    from klantstem.config import parse_config

    config = parse_config('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', base=tmp_path)
    as_of = (BASE_DAY + timedelta(days=28)).date()
    with connect(config.warehouse.path) as c:
        migrate(c)
        _theme_history(c, as_of)
    refresh_insights(config, WordEmbedder(), as_of=as_of)
    with connect(config.warehouse.path, read_only=True) as c:
        sentences = c.execute("SELECT count(*), count(embedding) FROM aspect_sentences "
                              "LEFT JOIN aspect_sentence_embeddings USING (mention_id, sentence_no)").fetchall()[0]
        assert sentences[0] > 0 and sentences[0] == sentences[1], "every scored aspect sentence has its vector"
        growing = c.execute("SELECT terms FROM complaint_themes WHERE growing").fetchall()
        hits = search(c, embed_query(WordEmbedder(), "pakket nooit aangekomen kwijt"), WordEmbedder.model_id, limit=3)
    assert len(growing) == 1 and "kwijt" in growing[0][0] and "snelkoop" not in growing[0][0]
    assert len(hits) == 3 and all("Pakket" in h.text for h in hits), "search ranks mentions, not their sentences"


def test_a_sentence_stored_first_becomes_searchable_when_a_mention_has_the_same_text(con) -> None:
    from warehouse.embeddings import insert_embeddings

    vectors = embedding_table("m", ["same"], word_vector(LOST)[None, :])
    con.register("v", vectors)
    insert_embeddings(con, "v", of_mention=False)
    assert con.execute("SELECT of_mention FROM text_embeddings").fetchall() == [(False,)]
    assert insert_embeddings(con, "v", of_mention=True) == 0, "stored once"
    assert con.execute("SELECT of_mention FROM text_embeddings").fetchall() == [(True,)]


def test_the_dashboard_shows_the_themes_growing_first(con) -> None:
    from report.data import collect

    as_of = (BASE_DAY + timedelta(days=28)).date()
    _theme_history(con, as_of)
    assert collect(con, as_of=as_of)["themes"]["status"] == "empty", "before the refresh: no themes"
    start, model_id, themes = compute_themes(con, as_of, distance=0.3)
    store_themes(con, as_of, start, model_id, themes)
    section = collect(con, as_of=as_of)["themes"]
    assert section["status"] == "ok"
    assert [r["growing"] for r in section["rows"]] == [True, False]
    assert "kwijt" in section["rows"][0]["terms"] and "Pakket" in section["rows"][0]["example"]


def test_search_commands_on_a_missing_warehouse_or_an_empty_query_say_so_in_one_line(tmp_path: Path, capsys) -> None:
    from klantstem.cli import main

    config = tmp_path / "monitor.toml"
    config.write_text('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', encoding="utf-8")
    for argv in (["search", "pakket kwijt", "-c", str(config)], ["search-index", "-c", str(config)]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "no warehouse yet" in err
    with connect(tmp_path / "wh.duckdb") as c:
        migrate(c)
    assert main(["search", "  ", "-c", str(config)]) == 2
    assert "query is empty" in capsys.readouterr().err


def test_a_scale_out_shard_returns_its_vectors_for_the_one_writer(monkeypatch) -> None:
    import logging

    from flows import scale

    monkeypatch.setattr(scale, "_scorer", lambda *args: WordEmbedder())
    monkeypatch.setattr(scale, "get_run_logger", lambda: logging.getLogger("test"))
    shard = [("a", LOST, "md5-a"), ("b", "", "md5-b")]
    scores, vectors = scale.score_shard.fn("m", 32, 256, shard, True)
    assert scores.num_rows == 2
    assert vectors is not None and vectors.column("text_md5").to_pylist() == ["md5-a"], "a blank text has no meaning"
    assert scale.score_shard.fn("m", 32, 256, shard, False)[1] is None
