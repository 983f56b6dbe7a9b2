"""Brand matching for post sources: which posts count as a mention of which brand.

The rules (spiders/brands.py): a keyword with a capital matches only in that spelling, an
all-lowercase keyword in any case; whole words only; whitespace inside a keyword matches
any whitespace; an exclusion term anywhere in the text vetoes the mention. The cases are
hand-written Dutch posts in tests/fixtures/sources/posts_nl.json.
"""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem

from spiders.brands import BrandMatcher, parse_list_arg, term_pattern
from spiders.items import ReviewItem
from spiders.spiders.reddit import RedditSpider
from spiders.spiders.trustpilot import TrustpilotSpider
from tests.source_fixtures import corpus
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines

CORPUS = corpus()
MATCHERS = {name: BrandMatcher(rule["keywords"], rule["exclude"]) for name, rule in CORPUS["brands"].items()}
CASES = [(post, brand) for post in CORPUS["posts"] for brand in MATCHERS]


@pytest.mark.parametrize(("post", "brand"), CASES, ids=[f"{p['id']}-{b}" for p, b in CASES])
def test_each_fixture_post_counts_for_exactly_its_brands(post, brand):
    result = MATCHERS[brand].check(post["text"])
    assert result.matched == (brand in post["brands"]), post["text"]
    assert (result.excluded_by is not None) == (brand in post.get("excluded", [])), post["text"]


@pytest.mark.parametrize(
    ("keyword", "text", "matches"),
    [
        ("Jumbo", "Boodschappen bij de Jumbo.", True),
        ("Jumbo", "een jumbo pak luiers", False),  # capitalised keyword: case-sensitive
        ("Jumbo", "JUMBO KORTING", False),
        ("jumbo", "JUMBO KORTING", True),  # lowercase keyword: any case
        ("Jumbo", "De Jumbojet landt", False),  # whole words only
        ("Jumbo", "Jumbo's bezorging", True),
        ("Jumbo", "Jumbo’s bezorging", True),  # typographic apostrophe
        ("Jumbo", "het Jumbo-filiaal", True),
        ("Jumbo", "#Jumbo open?", True),
        ("Jumbo", "Jumbo2000", False),
        ("Jumbo", "superJumbo", False),
        ("snelkoop.nl", "via WWW.SNELKOOP.NL/retour", True),
        ("snelkoop.nl", "snelkoop.nlx", False),
        ("snelkoop.nl", "snelkoopXnl", False),  # the dot is literal, not 'any character'
        ("Albert Heijn", "bij Albert\n  Heijn om de hoek", True),  # any whitespace between words
        ("Albert Heijn", "AlbertHeijn", False),
        ("Café Zoet", "Cafe\u0301 Zoet is open", True),  # NFC: e + combining accent is é
        ("ING", "ik bel ING", True),
        ("ING", "winkelen is een beleving", False),  # 'ing' inside a word, and lowercase
    ],
)
def test_keyword_rules(keyword, text, matches):
    assert BrandMatcher([keyword]).matches(text) is matches


def test_an_exclusion_term_vetoes_the_whole_text_and_says_which():
    matcher = BrandMatcher(["Jumbo"], ["Jumbo Jet", "olifant"])
    assert matcher.check("Met de Jumbo Jet naar Bonaire").excluded_by == "Jumbo Jet"
    assert matcher.check("Jumbo de olifant in de dierentuin").excluded_by == "olifant"
    assert matcher.check("Jumbo de OLIFANT").excluded_by == "olifant"  # lowercase term: any case
    assert matcher.check("Jumbo is open").matched
    assert matcher.check("een olifant zonder merk").keyword is None  # no keyword: nothing to veto


def test_title_like_text_without_keyword_is_no_match_and_empty_text_is_safe():
    matcher = BrandMatcher(["Snelkoop"])
    assert not matcher.matches(None) and not matcher.matches("")
    with pytest.raises(ValueError, match="at least one keyword"):
        BrandMatcher([" ", ""])
    with pytest.raises(ValueError, match="empty keyword"):
        term_pattern("  ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["Jumbo", "jumbo.com"]', ["Jumbo", "jumbo.com"]),  # as the flow passes it
        ("Jumbo, jumbo.com", ["Jumbo", "jumbo.com"]),  # by hand
        ('["Albert Heijn, Zaandam"]', ["Albert Heijn, Zaandam"]),  # JSON keeps commas inside terms
        ("  ", []),
        (None, []),
        (["a", " "], ["a"]),
    ],
)
def test_list_arguments_accept_json_arrays_and_comma_lists(value, expected):
    assert parse_list_arg(value) == expected


def test_a_broken_json_list_argument_is_an_error():
    with pytest.raises(ValueError, match="not a JSON list"):
        parse_list_arg('["Jumbo", ')


# ------------------------------------------------------------ the pipeline in process


@pytest.fixture
def salted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    monkeypatch.delenv("KLANTSTEM_PSEUDONYMISE", raising=False)


def post(text: str, external_id: str = "t3_a", title: str | None = None) -> ReviewItem:
    return ReviewItem(
        "reddit",
        "Jumbo",
        external_id,
        "https://www.reddit.com/r/x/comments/a/",
        kind="post",
        published_at="2026-11-24T10:00:00+00:00",
        title=title,
        text=text,
        author="frits",
    )


def reddit_crawler(**extra: str):
    return make_crawler(RedditSpider, url="https://www.reddit.com", brand="Jumbo", subreddits="thenetherlands", **extra)


def test_posts_that_do_not_mention_the_brand_are_dropped_and_counted_not_as_defects(salted):
    crawler = reddit_crawler(keywords='["Jumbo"]', exclude='["Jumbo Jet"]')
    assert run_pipelines(crawler, post("Kassa dicht bij de Jumbo.")).text == "Kassa dicht bij de Jumbo."
    assert run_pipelines(crawler, post("Niets", title="Jumbo-actie", external_id="t3_b")).title == "Jumbo-actie"
    for text in ("een jumbo pak luiers", "Met de Jumbo Jet weg"):
        with pytest.raises(DropItem):
            run_pipelines(crawler, post(text, external_id="t3_c"))
    stats = crawler.stats.get_stats()
    assert (
        stats["klantstem/brand_filter/matched"],
        stats["klantstem/brand_filter/no_keyword"],
        stats["klantstem/brand_filter/excluded"],
    ) == (2, 1, 1)
    assert not [k for k in stats if k.startswith("klantstem/dropped/")]


def test_without_keywords_a_post_source_matches_the_brand_name(salted):
    crawler = reddit_crawler()
    assert crawler.spider.brand_matcher.keywords == ["Jumbo"]
    with pytest.raises(DropItem):
        run_pipelines(crawler, post("een jumbo pak"))


def test_review_sources_are_never_brand_filtered(salted):
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop")
    item = ReviewItem(
        "trustpilot",
        "Snelkoop",
        "r1",
        "https://tp.example/reviews/r1",
        published_at="2026-11-24",
        text="Prima winkel, geen merknaam genoemd.",
    )
    assert run_pipelines(crawler, item).text == "Prima winkel, geen merknaam genoemd."


def test_the_same_id_twice_in_one_crawl_is_written_once(salted):
    from spiders.pipelines import DuplicatePipeline

    crawler = reddit_crawler()
    duplicates = DuplicatePipeline.from_crawler(crawler)
    duplicates.process_item(post("Jumbo"))
    with pytest.raises(DropItem):
        duplicates.process_item(post("Jumbo, via een tweede hashtag"))
    assert duplicates.process_item(post("Jumbo", external_id="t3_z")).external_id == "t3_z"
    assert crawler.stats.get_value("klantstem/dropped/duplicate") == 1
