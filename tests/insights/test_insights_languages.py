"""French and English customers get the same journey steps as Dutch ones: each text is read
with its own language's term lists, stemmer and stop words, and a language without lists is
kept and counted, never read with another language's words."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from insights.aspects import AspectTagger, load_lexicon
from insights.pipeline import refresh_insights
from insights.tagging import UNREAD_VERSION, tagger_for
from insights.text import stem, terms, tokens
from insights.validate_languages import JOURNEY_SETS, JourneySentence, load_journey_set, validate_journey
from klantstem.config import ConfigError, MonitorConfig, parse_config
from tests.insights.test_insights_pipeline import AS_OF, FakeScorer, load, make_config, query
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import SCORE_SCHEMA, pending_texts, store_scores


@pytest.fixture(scope="module")
def fr() -> AspectTagger:
    return AspectTagger(load_lexicon(language="fr"))


@pytest.fixture(scope="module")
def en() -> AspectTagger:
    return AspectTagger(load_lexicon(language="en"))


def aspects(tagger: AspectTagger, sentence: str) -> set[str]:
    return set(tagger.tag_sentence(sentence))


def test_french_elisions_are_cut_off_before_matching() -> None:
    assert tokens("L’application et le temps d'attente qu'il faut", "fr") == [
        "l", "application", "et", "le", "temps", "d", "attente", "qu", "il", "faut"]
    assert tokens("auto's", "nl") == ["auto's"], "Dutch apostrophe plurals stay one word"


def test_each_language_has_its_own_snowball_stemmer() -> None:
    assert stem("commandes", "fr") == stem("commander", "fr") == "command" != stem("commandes", "nl")
    assert stem("rembourser", "fr") == stem("remboursement", "fr") == "rembours"
    assert stem("refunded", "en") == stem("refund", "en")
    assert stem("bezorging", "nl") == stem("bezorgen", "nl") == "bezorg"


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Livraison rapide, colis bien emballé.", {"delivery"}),
    ("J'ai été remboursée en trois jours.", {"returns"}),
    ("Le service client ne répond jamais à mes mails.", {"customer_service"}),
    ("L'appli plante à chaque mise à jour.", {"app"}),
    ("Beaucoup trop cher pour ce que c'est.", {"price"}),
    ("Le produit est arrivé cassé.", {"product_quality", "delivery"}),
    ("Commande passée sur le site sans problème.", {"ordering"}),
    ("La vendeuse en magasin était adorable.", {"store"}),
    ("Temps d'attente interminable au téléphone.", {"customer_service"}),
])
def test_french_journey_steps_are_found_through_inflections_and_elisions(
        fr: AspectTagger, sentence: str, expected: set[str]) -> None:
    assert aspects(fr, sentence) == expected


@pytest.mark.parametrize(("sentence", "expected"), [
    ("The parcel was delivered two days late.", {"delivery"}),
    ("Still waiting for my refund.", {"returns"}),
    ("Customer service never replied to my emails.", {"customer_service"}),
    ("The app keeps crashing.", {"app"}),
    ("Way too expensive.", {"price"}),
    ("I ordered on the website without any trouble.", {"ordering"}),
])
def test_english_journey_steps_are_found_through_inflections(en: AspectTagger, sentence: str, expected: set[str]) -> None:
    assert aspects(en, sentence) == expected


def test_a_global_exclude_phrase_takes_its_words_away(en: AspectTagger) -> None:
    assert aspects(en, "In order to get a refund I had to wait.") == {"returns"}, \
        "'in order to' is not ordering"


def test_clauses_are_cut_at_the_language_s_contrastive_words(fr: AspectTagger, en: AspectTagger) -> None:
    assert [set(t) for _, t in fr.clauses("Livraison rapide mais le service client est nul")] == [
        {"delivery"}, {"customer_service"}]
    assert [set(t) for _, t in en.clauses("Fast delivery but the customer service is useless")] == [
        {"delivery"}, {"customer_service"}]


def test_terms_use_the_language_s_stop_words_and_stems() -> None:
    found = terms("Le colis n'est jamais arrivé. Les colis sont perdus.", language="fr")
    assert {"colis", "jamais", "jamais arrive"} <= set(found.values()), \
        "polarity words stay: 'jamais arrivé' is a topic"
    assert found["colis"] == "colis" and stem("perdus", "fr") in found, "keys are French stems"
    assert not {"le", "les", "est", "sont", "n"} & set(found.values()), "French function words never make a topic"


def test_a_company_extends_the_french_lists_in_the_same_file(tmp_path: Path) -> None:
    extra = tmp_path / "aspects.toml"
    extra.write_text('[aspects.delivery]\nwords = ["koerierdienst"]\n'
                     '[fr.aspects.delivery]\nwords = ["camionnette"]\n', encoding="utf-8")
    assert aspects(AspectTagger(load_lexicon(extra, language="fr")), "La camionnette est passée") == {"delivery"}
    assert aspects(AspectTagger(load_lexicon(extra, language="nl")), "De camionnette kwam niet") == set()
    assert aspects(AspectTagger(load_lexicon(extra, language="nl")), "De koerierdienst") == {"delivery"}


def test_a_bad_language_table_in_the_override_file_is_a_one_line_error(tmp_path: Path) -> None:
    extra = tmp_path / "aspects.toml"
    extra.write_text('fr = ["livraison"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"aspects.toml: fr: must be a table"):
        load_lexicon(extra, language="fr")


def test_the_tagger_is_picked_by_language_and_unknown_languages_are_not_read(tmp_path: Path) -> None:
    taggers = tagger_for(make_config(tmp_path))
    assert taggers.for_language("fr").language == "fr"
    assert taggers.for_language(None).language == "nl", "too short to detect: the default language"
    assert taggers.for_language("de") is None
    assert taggers.version_for("de") == UNREAD_VERSION
    assert len({taggers.version_for(x) for x in ("nl", "fr", "en")}) == 3


def test_brand_languages_are_two_letter_codes_each_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"brands\[0\]\.languages: .*'french' is not a two-letter language code"):
        parse_config('[[brands]]\nname = "A"\nlanguages = ["french"]\n', base=tmp_path)
    with pytest.raises(ConfigError, match="each language once"):
        parse_config('[[brands]]\nname = "A"\nlanguages = ["fr", "fr"]\n', base=tmp_path)


def belgian(tmp_path: Path) -> MonitorConfig:
    return make_config(tmp_path).model_copy(update={"brands": [
        b.model_copy(update={"languages": ["fr", "nl"]}) for b in make_config(tmp_path).brands]})


def test_the_refresh_reads_each_mention_in_its_own_language(tmp_path: Path) -> None:
    config = belgian(tmp_path)
    load(config,
         row("nl", title=None, text="De bezorging was traag.", language="nl"),
         row("fr", title=None, text="La livraison était lente.", language="fr"),
         row("en", title=None, text="The delivery was slow.", language="en"),
         row("de", title=None, text="Die Lieferung war langsam.", language="de"),
         row("short", title=None, text="Livraison!", language=None))
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    got = query(config, """SELECT m.external_id, t.language, list(a.term ORDER BY a.term)
                           FROM insight_tagged AS t JOIN mentions AS m USING (mention_id)
                           LEFT JOIN aspect_tags AS a USING (mention_id)
                           GROUP BY ALL ORDER BY 1""")
    assert got == [("de", "de", [None]), ("en", "en", ["delivery"]), ("fr", "fr", ["livraison"]),
                   ("nl", "nl", ["bezorging"]), ("short", "fr", ["livraison"])], \
        "German is kept but not read; a text without a language is read in the brand's first language"


def test_a_mention_whose_language_changes_is_tagged_again(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    load(config, row("a", title=None, text="Service impeccable, livraison rapide."))
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    assert query(config, "SELECT language FROM insight_tagged") == [("nl",)]
    with connect(config.warehouse.path) as con:
        con.execute("UPDATE mentions SET language = 'fr'")
    again = refresh_insights(config, FakeScorer(), as_of=AS_OF)
    assert again.mentions_tagged == 1
    assert query(config, "SELECT aspect FROM aspect_tags ORDER BY aspect") == [("customer_service",), ("delivery",)]


def test_a_multi_word_term_is_refused_because_each_word_would_match_alone(tmp_path: Path) -> None:
    extra = tmp_path / "aspects.toml"
    extra.write_text('[fr.aspects.ordering]\nterms = ["bon de commande"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"aspects.ordering.terms: 'bon de commande' is several words"):
        load_lexicon(extra, language="fr")


def test_journey_validation_counts_each_sentence_and_aspect_once(fr: AspectTagger) -> None:
    sentences = [JourneySentence("Livraison rapide.", frozenset({"delivery"})),
                 JourneySentence("Trop cher, livraison lente.", frozenset({"price"})),
                 JourneySentence("Le service client est nul.", frozenset({"customer_service", "returns"})),
                 JourneySentence("Je recommande.", frozenset())]
    report = validate_journey(sentences, fr)
    d, p, r = (report.per_aspect[a] for a in ("delivery", "price", "returns"))
    assert (d.tp, d.fp, d.fn) == (1, 1, 0)
    assert (p.tp, p.fp, p.fn) == (1, 0, 0)
    assert (r.tp, r.fp, r.fn) == (0, 0, 1)
    assert (report.with_step, report.found_step) == (3, 3)


@pytest.mark.parametrize("language", JOURNEY_SETS)
def test_the_shipped_validation_sets_hold_300_sentences_with_known_aspects(language: str) -> None:
    sentences = load_journey_set(language)
    keys = {a.key for a in load_lexicon(language=language).aspects}
    assert len(sentences) >= 300
    assert all(s.aspects <= keys for s in sentences)
    assert sum(not s.aspects for s in sentences) >= 30, "sentences without a step, so precision counts"


def test_french_recall_is_within_ten_points_of_dutch_semeval() -> None:
    """docs/insights.md: micro recall 0.72 on SemEval-2016 Dutch with the restaurant lists;
    the issue's aim is French within 10 points of it."""
    report = validate_journey(load_journey_set("fr"), AspectTagger(load_lexicon(language="fr")))
    assert report.micro.recall >= 0.62


def load_scored(config: MonitorConfig, *rows: dict, scores: dict[str, tuple[str, str | None]]) -> None:
    """Load mentions and store one score per external_id: (label, detected language)."""
    with connect(config.warehouse.path) as con:
        migrate(con)
        upsert_mentions(con, table(*rows))
        ext = dict(con.execute("SELECT mention_id, external_id FROM mentions").fetchall())
        store_scores(con, pa.Table.from_pylist(
            [{"mention_id": p.mention_id, "model_id": "m", "text_md5": p.text_md5, "label": scores[ext[p.mention_id]][0],
              "score": {"neg": -0.8, "neu": 0.0, "pos": 0.8}[scores[ext[p.mention_id]][0]],
              "p_neg": None, "p_neu": None, "p_pos": None, "language": scores[ext[p.mention_id]][1]}
             for p in pending_texts(con, "m")], schema=SCORE_SCHEMA))


@pytest.fixture
def mixed(tmp_path: Path) -> MonitorConfig:
    """A Belgian own brand monitored in French and Dutch, with an English and a German review."""
    config = belgian(tmp_path)
    load_scored(
        config,
        row("nl1", title=None, text="De bezorging was traag.", rating=1),
        row("nl2", title=None, text="Prima, aanrader.", rating=5),
        row("fr1", title=None, text="La livraison était lente.", rating=2),
        row("fr2", title=None, text="Le service client est adorable.", rating=5),
        row("fr3", title=None, text="Le colis est arrivé abîmé.", day=1, rating=1),
        row("en1", title=None, text="The delivery was slow.", rating=2),
        row("de1", title=None, text="Die Lieferung war langsam.", rating=1),
        row("x", title=None, text="Top!", rating=5, language=None),
        scores={"nl1": ("neg", "nl"), "nl2": ("pos", "nl"), "fr1": ("neg", "fr"), "fr2": ("pos", "fr"),
                "fr3": ("neg", "fr"), "en1": ("neg", "en"), "de1": ("neg", "de"), "x": ("pos", None)},
    )
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    return config


def test_every_mention_counts_in_one_monitored_language_or_other(mixed: MonitorConfig) -> None:
    got = dict(query(mixed, "SELECT m.external_id, l.language FROM mention_languages AS l JOIN mentions AS m USING (mention_id)"))
    assert got == {"nl1": "nl", "nl2": "nl", "fr1": "fr", "fr2": "fr", "fr3": "fr", "en1": "other", "de1": "other",
                   "x": "fr"}, "English is not monitored for this brand; too short to detect = the first language"


def test_daily_sentiment_per_language_adds_up_to_the_daily_line(mixed: MonitorConfig) -> None:
    by_language = query(mixed, """SELECT language, sum(volume), sum(share_negative * scored) FROM daily_sentiment_by_language
                                  WHERE source = 'all' GROUP BY language ORDER BY language""")
    assert by_language == [("fr", 4, 2.0), ("nl", 2, 1.0), ("other", 2, 2.0)]
    assert query(mixed, "SELECT sum(volume) FROM daily_sentiment WHERE source = 'all'") == [(8,)]


def test_the_language_overview_shows_each_language_s_journey_step_share(mixed: MonitorConfig) -> None:
    got = {r[0]: r[1:] for r in query(mixed, """SELECT language, mentions, with_step, share_with_step, share_negative
                                                 FROM language_overview ORDER BY language""")}
    assert got == {"fr": (4, 3, 0.75, 0.5), "nl": (2, 1, 0.5, 0.5), "other": (2, 1, 0.5, 1.0)}


def test_aspect_performance_per_language(mixed: MonitorConfig) -> None:
    got = query(mixed, """SELECT language, mentions, importance FROM aspect_performance_by_language
                          WHERE aspect = 'delivery' ORDER BY language""")
    assert got == [("fr", 2, 0.5), ("nl", 1, 0.5), ("other", 1, 0.5)]


def test_the_insights_reports_filter_by_language(mixed: MonitorConfig) -> None:
    from insights.language_report import languages_report
    from insights.report import aspects_report, benchmark_report

    with connect(mixed.warehouse.path, read_only=True) as con:
        french = aspects_report(con, brand="Snelkoop", language="fr")
        overview = languages_report(con)
        bench = benchmark_report(con, language="nl")
        nothing = aspects_report(con, language="es")
    delivery = next(line for line in french.splitlines() if line.startswith("Bezorging"))
    assert delivery.split()[1] == "2", "two French mentions name delivery; the Dutch and English ones are not counted"
    assert [line.split()[2] for line in overview.splitlines() if line.startswith("Snelkoop *")] == ["Frans", "Nederlands", "overig"]
    assert "overig (de, en)" in overview
    assert "taal nl" in bench
    assert nothing.startswith("Geen vermeldingen in taal 'es'")


def test_on_the_demo_s_belgian_brand_french_reviews_find_journey_steps_as_often_as_dutch_ones(tmp_path: Path) -> None:
    from datetime import date

    from klantstem.demo.site import build_site

    taggers = tagger_for(make_config(tmp_path))
    reviews = [r for r in build_site(date(2026, 11, 20)).reviews if r.brand == "Colibri"]
    share = {}
    for language in ("fr", "nl"):
        mine = [r for r in reviews if r.language == language]
        tagger = taggers.for_language(language)
        share[language] = sum(any(s.aspects for s in tagger.tag_text(f"{r.title}. {r.text}")) for r in mine) / len(mine)
    assert abs(share["fr"] - share["nl"]) <= 0.10, share


def test_blind_spot_terms_compare_the_survey_with_public_mentions_in_its_language(tmp_path: Path) -> None:
    from insights.survey import import_survey

    config = make_config(tmp_path)  # own brand Snelkoop: default languages, survey read as Dutch
    assert tagger_for(config).for_survey(config).language == "nl"
    dutch = [row(f"nl{i}", title=None, text="Het pakket kwam beschadigd aan.", day=i, language="nl") for i in range(6)]
    french = [row(f"fr{i}", title=None, text="Le remboursement traîne encore.", day=i, language="fr") for i in range(6)]
    load_scored(config, *dutch, *french, scores={**{f"nl{i}": ("neg", "nl") for i in range(6)},
                                                 **{f"fr{i}": ("neg", "fr") for i in range(6)}})
    survey = tmp_path / "enquete.csv"
    survey.write_text("datum,cijfer,antwoord\n" + "".join(f"2026-11-0{i + 1},3,Te duur en traag\n" for i in range(6)),
                      encoding="utf-8")
    import_survey(config, survey)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    surfaces = {r[0] for r in query(config, "SELECT surface FROM blind_spot_terms")}
    assert "pakket" in surfaces, "Dutch public complaints are compared with the Dutch survey"
    assert not {"remboursement", "traine"} & surfaces, "French stems are not 'absent from the survey'"


class BilingualScorer(FakeScorer):
    """FakeScorer's Dutch keywords plus French ones."""

    def score(self, texts, progress: bool = False):
        french = {"lente": "traag", "rapide": "snel", "nul": "slecht", "parfait": "prima"}
        return super().score([" ".join([t, *(nl for fr, nl in french.items() if fr in t.lower())]) for t in texts])


def test_key_drivers_are_fitted_per_language(tmp_path: Path) -> None:
    config = belgian(tmp_path)
    rows, scores = [], {}
    for i in range(36):
        good = i % 2 == 0
        rows.append(row(f"fr{i}", title=None, rating=5 if good else 1,
                        text=("La livraison était rapide." if good else "La livraison était lente.")
                        + " Le prix est normal."))
        rows.append(row(f"nl{i}", title=None, rating=5 if good else 1,
                        text=("De prijs is prima." if good else "De prijs is slecht.") + " De bezorging was gewoon."))
        scores[f"fr{i}"] = ("pos" if good else "neg", "fr")
        scores[f"nl{i}"] = ("pos" if good else "neg", "nl")
    load_scored(config, *rows, scores=scores)
    refresh_insights(config, BilingualScorer(), as_of=AS_OF)
    first = dict(query(config, "SELECT language, aspect FROM key_driver_matrix_by_language "
                               "WHERE brand = 'Snelkoop' AND priority = 1"))
    assert first == {"fr": "delivery", "nl": "price"}, "each language's customers have their own driver"
    with connect(config.warehouse.path, read_only=True) as con:
        from insights.report import drivers_report
        assert "(taal fr)" in drivers_report(con, language="fr")


def test_grades_and_nps_per_language(mixed: MonitorConfig) -> None:
    from insights.report import grades_report

    got = dict(query(mixed, "SELECT language, mean_grade FROM satisfaction_by_language WHERE source = 'all'"))
    assert got == {"fr": 6.5, "nl": 6.0, "other": 3.0}, "stars 2, 5, 1, 5 / 1, 5 / 2, 1 as grades 2 x stars"
    assert query(mixed, "SELECT sum(responses) FROM grade_distribution_by_language WHERE language = 'fr' AND source = 'all'") \
        == [(4,)]
    with connect(mixed.warehouse.path, read_only=True) as con:
        assert grades_report(con, language="fr").startswith("Taal: fr")
