"""Customer-journey aspects: which words mean delivery, returns, price, ... in Dutch.

Compounds count with the term as head or modifier, inflections and diminutives count by
stem, short or ambiguous words only as whole words, and a company can extend the lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from insights.aspects import AspectTagger, default_lexicon, load_lexicon
from insights.text import split_sentences, terms
from klantstem.config import ConfigError


@pytest.fixture(scope="module")
def tagger() -> AspectTagger:
    return AspectTagger(load_lexicon(extra_exclude=["Winkelwagen", "Snelkoop"]))


def aspects(tagger: AspectTagger, sentence: str) -> set[str]:
    return set(tagger.tag_sentence(sentence))


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("De pakketbezorging was een ramp.", {"delivery"}),            # term as head of a compound
        ("Goede bezorgservice!", {"delivery"}),                       # term as modifier
        ("Het retourlabel zat er niet bij.", {"returns"}),
        ("De bezorgingsproblemen blijven.", {"delivery"}),            # linking -s-
        ("Het pakketje kwam gisteren.", {"delivery"}),                # diminutive
        ("Twee pakketten, allebei beschadigd.", {"delivery", "product_quality"}),  # inflection
        ("De klantenservice reageerde niet op mijn mail.", {"customer_service"}),
        ("Veel te duur voor wat je krijgt.", {"price"}),
        ("De verzendkosten zijn hoog.", {"delivery", "price"}),      # modifier and head
        ("Inloggen op de website lukte niet.", {"ordering"}),
        ("De app crasht steeds.", {"app"}),
        ("In de winkel was het druk bij de kassa.", {"store"}),
    ],
)
def test_journey_steps_are_found_by_stem_and_compound(tagger: AspectTagger, sentence: str, expected: set[str]) -> None:
    assert aspects(tagger, sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Duurzaam geproduceerd en het duurde even.",   # 'duur' is a whole word only (not duurzaam/duren)
        "Het apparaat doet wat het moet doen.",        # 'app' is not a prefix of apparaat
        "Een echte vriendschap.",                       # no short term inside unrelated words
        "De leverancier is onbekend.",                  # excluded: supplier, not delivery
        "Het is een stuk beter dan vorige keer.",       # 'stuk' alone is not 'broken'
        "Ik bestelde bij Winkelwagen.Nu niet meer.",    # a brand name is never the shopping cart
        "Prima!",
    ],
)
def test_unrelated_words_do_not_tag(tagger: AspectTagger, sentence: str) -> None:
    found = aspects(tagger, sentence)
    assert "price" not in found and "app" not in found and "store" not in found
    assert "delivery" not in found and "product_quality" not in found


def test_a_phrase_takes_its_words_away_from_shorter_matches(tagger: AspectTagger) -> None:
    assert tagger.tag_sentence("Ik wil gewoon mijn geld terug.") == {"returns": "mijn geld"}
    assert tagger.tag_sentence("Het pakket kwam te laat.")["delivery"] in {"pakket", "te laat"}


def test_an_exact_term_is_not_also_read_as_a_compound_of_another_aspect(tagger: AspectTagger) -> None:
    assert aspects(tagger, "Het bedrag is terugbetaald.") == {"returns", "price"}  # not ordering via 'betaald'
    assert aspects(tagger, "Mijn bestelling is terugbetaald.") == {"ordering", "returns"}


def test_each_tag_records_the_word_that_triggered_it(tagger: AspectTagger) -> None:
    assert tagger.tag_sentence("De pakketbezorger was onvriendelijk.") == {"delivery": "pakketbezorger"}


def test_sentences_split_on_punctuation_but_not_on_abbreviations_or_numbers() -> None:
    text = "Snel geleverd! Kosten o.a. 3.50 euro verzending. Nooit meer?\nGroet"
    assert split_sentences(text) == ["Snel geleverd!", "Kosten o.a. 3.50 euro verzending.", "Nooit meer?", "Groet"]


def test_a_sentence_judging_two_aspects_is_cut_into_clauses(tagger: AspectTagger) -> None:
    units = tagger.tag_text("Prima prijs, maar de bezorging was traag. De klantenservice was traag, maar vriendelijk.")
    assert [(u.text, set(u.aspects)) for u in units] == [
        ("Prima prijs", {"price"}),
        ("maar de bezorging was traag.", {"delivery"}),
        ("De klantenservice was traag, maar vriendelijk.", {"customer_service"}),  # one aspect: stays whole
    ]
    assert [u.sentence_no for u in units] == [1, 2, 3]


def test_terms_are_stems_and_two_word_phrases_without_stopwords_or_brands() -> None:
    found = terms("Pakket kwijt bij Snelkoop! De pakketten zijn kwijt.", frozenset({"snelkoop"}))
    assert found["pakket"] == "pakket" and found["kwijt"] == "kwijt"
    assert found["pakket kwijt"] == "pakket kwijt"
    assert "snelkoop" not in found and "de" not in found and "bij" not in found


def test_company_overrides_extend_the_lists_rename_and_drop_aspects(tmp_path: Path) -> None:
    extra = tmp_path / "aspects.toml"
    extra.write_text(
        """
        [aspects.delivery]
        label = "Levering"
        terms = ["bolletjesbezorger"]
        [aspects.app]
        enabled = false
        [aspects.sustainability]
        label = "Duurzaamheid"
        terms = ["duurzaam", "plastic"]
        """,
        encoding="utf-8",
    )
    lexicon = load_lexicon(extra)
    tagger = AspectTagger(lexicon)
    assert lexicon.labels()["delivery"] == "Levering"
    assert "app" not in lexicon.labels()
    assert aspects(tagger, "Veel plasticverpakking.") == {"sustainability"}
    assert aspects(tagger, "De app is traag.") == set()
    assert lexicon.version != default_lexicon().version, "a list change must re-tag stored mentions"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[aspects.new]\nterms = ['x']\n", "aspects.new: label"),
        ("[aspects.delivery]\nterms = 'bezorger'\n", "aspects.delivery.terms: must be a list"),
        ("[aspects.delivery]\nsynonyms = ['x']\n", "unknown key 'synonyms'"),
        ("aspects = [", "not valid TOML"),
    ],
)
def test_a_bad_override_file_is_one_line_naming_file_and_field(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "aspects.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_lexicon(bad)
    assert str(bad) in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)
