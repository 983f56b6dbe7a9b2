"""Spiders and item pipelines: what a crawl must deliver to staging (ARCHITECTURE.md 1-2).

Page parsing and clean-up are pure functions tested on small inline pages; a handful of
real ``scrapy crawl`` subprocesses against the demo site check the whole path: arguments,
pagination, incremental stops, robots.txt, pseudonyms, failures and the stats file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem

from klantstem.demo.server import DemoServer
from klantstem.demo.site import BRANDS, DemoSite, source_url
from klantstem.privacy import pseudonymise
from spiders import CrawlSetupError, PageParseError
from spiders.items import STAGING_FIELDS, ReviewItem
from spiders.pipelines import (
    clean_text,
    fallback_external_id,
    normalise_language,
    normalise_rating,
    normalise_timestamp,
    resolve_external_id,
)
from spiders.spiders.jsonld import JsonLdSpider, extract_reviews
from spiders.spiders.jsonld import next_page_url as jsonld_next_page_url
from spiders.spiders.jsonld import review_item as jsonld_item
from spiders.spiders.trustpilot import TrustpilotSpider, next_page_url, parse_next_data
from spiders.spiders.trustpilot import review_item as trustpilot_item
from spiders.stats import build_summary
from tests.spider_helpers import (
    TEST_SALT,
    CrawlResult,
    make_crawler,
    run_crawl,
    run_pipelines,
)
from warehouse.staging import validate_row

DEMO_TODAY = date(2026, 11, 20)
SNELKOOP, WINKELWAGEN, BESTELHUIS, COLIBRI = BRANDS
CONTRACT_FIELDS = [  # docs/ARCHITECTURE.md section 1, in order
    "source", "brand", "external_id", "url", "kind", "published_at", "title", "text", "rating",
    "rating_min", "rating_max", "rating_normalised", "language", "author", "reply", "reply_at", "reply_author", "fetched_at",
    "provenance", "verification", "provenance_raw",
]  # fmt: skip


# ------------------------------------------------------------------ parse functions


def next_data_page(page_props: object) -> str:
    payload = json.dumps({"props": {"pageProps": page_props}, "page": "/review/[businessUnit]"})
    return f'<html><body><script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>'


TP_REVIEW = {
    "id": "65f1c0ffee0000000000abcd",
    "rating": 2,
    "title": "Pakket kwijt",
    "text": "Nooit aangekomen.<br>Jammer!",
    "language": "nl",
    "dates": {"publishedDate": "2026-11-19T08:15:00.000Z", "experiencedDate": "2026-11-17T00:00:00.000Z"},
    "consumer": {"id": "c1", "displayName": "Jan de Vries"},
    "reply": {"message": "Excuses, we zoeken het uit.", "publishedDate": "2026-11-19T10:00:00.000Z"},
}
TP_PROPS = {"reviews": [TP_REVIEW], "filters": {"pagination": {"currentPage": 2, "totalPages": 3, "perPage": 20}}}


def test_parse_next_data_returns_page_props():
    props = parse_next_data(next_data_page(TP_PROPS), "https://tp.example/review/a.example?page=2")
    assert props["reviews"] == [TP_REVIEW]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<html><body><div id='__next'></div></body></html>", "no <script id='__NEXT_DATA__'>"),
        ('<script id="__NEXT_DATA__" type="application/json">{"props": {"pagePr</script>', "not valid JSON"),
        (next_data_page({"filters": {"pagination": {}}}), "no props.pageProps.reviews"),
        (next_data_page({"reviews": []}), "no props.pageProps.filters.pagination"),
    ],
)
def test_parse_next_data_fails_loudly_naming_the_url(html, reason):
    url = "https://tp.example/review/a.example"
    with pytest.raises(PageParseError) as caught:
        parse_next_data(html, url)
    assert str(caught.value).startswith(url + ": ")
    assert reason in str(caught.value)


def test_trustpilot_next_page_follows_pagination_and_keeps_other_parameters():
    url = "https://tp.example/review/a.example?languages=all&page=2"
    assert next_page_url(TP_PROPS, url) == "https://tp.example/review/a.example?languages=all&page=3"
    last = {"reviews": [], "filters": {"pagination": {"currentPage": 3, "totalPages": 3}}}
    assert next_page_url(last, url) is None


def test_trustpilot_review_maps_to_a_raw_item_with_permalink():
    item = trustpilot_item(TP_REVIEW, brand="Snelkoop", source="tp", page_url="https://tp.example/review/a.example")
    assert item == ReviewItem(
        source="tp",
        brand="Snelkoop",
        external_id="65f1c0ffee0000000000abcd",
        url="https://tp.example/reviews/65f1c0ffee0000000000abcd",
        published_at="2026-11-19T08:15:00.000Z",
        title="Pakket kwijt",
        text="Nooit aangekomen.<br>Jammer!",
        rating=2,
        rating_min=1,
        rating_max=5,
        language="nl",
        author="Jan de Vries",
        reply="Excuses, we zoeken het uit.",
        reply_at="2026-11-19T10:00:00.000Z",
    )


def test_trustpilot_review_with_odd_shape_becomes_an_item_not_an_exception():
    item = trustpilot_item("not a review", brand="B", source="tp", page_url="https://tp.example/review/a")
    assert item.external_id is None and item.text is None and item.url == "https://tp.example/review/a"


def ld_page(*blocks: str, extra: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{block}</script>' for block in blocks)
    return f"<html><head>{scripts}{extra}</head><body></body></html>"


REVIEW_LD = {
    "@type": "Review",
    "author": {"@type": "Person", "name": "Fatima"},
    "datePublished": "2026-11-18T21:05:00+01:00",
    "name": "Snel geleverd",
    "reviewBody": "Prima &amp; snel",
    "inLanguage": "nl-NL",
    "reviewRating": {"@type": "Rating", "ratingValue": "4", "bestRating": "5", "worstRating": "1"},
}


@pytest.mark.parametrize(
    "block",
    [
        pytest.param({"@context": "https://schema.org", **REVIEW_LD}, id="top-level Review"),
        pytest.param([REVIEW_LD], id="top-level list"),
        pytest.param({"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, REVIEW_LD]}, id="@graph"),
        pytest.param({"@type": "Product", "name": "Stoel", "review": [REVIEW_LD]}, id="Product review list"),
        pytest.param({"@type": "Organization", "review": REVIEW_LD}, id="Organization single review"),
        pytest.param({"@type": ["LocalBusiness", "Store"], "reviews": [REVIEW_LD]}, id="LocalBusiness reviews"),
        pytest.param({"@graph": {"@type": "Product", "review": [REVIEW_LD]}}, id="@graph holding one object"),
        pytest.param(
            {"@type": "schema:Review", **{k: v for k, v in REVIEW_LD.items() if k != "@type"}}, id="prefixed type"
        ),
        pytest.param(
            {"@type": "Product", "review": [{k: v for k, v in REVIEW_LD.items() if k != "@type"}]},
            id="untyped in review",
        ),
    ],
)
def test_json_ld_reviews_are_found_in_every_common_layout(block):
    assert extract_reviews(ld_page(json.dumps(block)), "https://shop.example/p")[0]["name"] == "Snel geleverd"


def test_json_ld_ignores_other_types_and_skips_a_broken_block():
    page = ld_page(
        json.dumps({"@type": "BreadcrumbList", "itemListElement": []}),
        '{"@type": "Product", "review": [',
        json.dumps({"@type": "Product", "aggregateRating": {"ratingValue": 4}, "review": [REVIEW_LD, REVIEW_LD]}),
    )
    assert len(extract_reviews(page, "https://shop.example/p")) == 2


def test_json_ld_accepts_raw_newlines_inside_strings():
    block = json.dumps(REVIEW_LD).replace("Prima &amp; snel", "Prima\nsnel")
    assert extract_reviews(ld_page(block), "https://shop.example/p")[0]["reviewBody"] == "Prima\nsnel"


def test_json_ld_page_without_reviews_is_an_error_naming_the_url():
    with pytest.raises(PageParseError, match=r"^https://shop\.example/p: no schema.org Review in 1 readable"):
        extract_reviews(ld_page(json.dumps({"@type": "Product", "name": "Stoel"})), "https://shop.example/p")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('<link rel="next" href="/p?page=2">', "https://shop.example/p?page=2"),
        ('<a class="btn" rel="nofollow next" href="https://shop.example/p/3">Volgende</a>', "https://shop.example/p/3"),
        ('<link rel="prev" href="/p?page=0">', None),
    ],
)
def test_json_ld_pagination_follows_rel_next(extra, expected):
    assert jsonld_next_page_url(ld_page(extra=extra), "https://shop.example/p?page=1") == expected


def test_json_ld_review_maps_to_a_raw_item():
    item = jsonld_item(REVIEW_LD, brand="B", source="ld", listing_url="https://shop.example/p")
    assert (item.external_id, item.url, item.author, item.title, item.language) == (
        None,
        "https://shop.example/p",
        "Fatima",
        "Snel geleverd",
        "nl-NL",
    )
    assert (item.rating, item.rating_min, item.rating_max) == ("4", "1", "5")
    assert (item.published_at, item.text) == ("2026-11-18T21:05:00+01:00", "Prima &amp; snel")


@pytest.mark.parametrize(
    ("fields", "external_id", "url", "author"),
    [
        ({"author": "Kees"}, None, "https://shop.example/p", "Kees"),
        ({"author": [{"name": "Ilse"}, {"name": "Tom"}]}, None, "https://shop.example/p", "Ilse"),
        ({"@id": "#review-1", "url": "/r/1"}, None, "https://shop.example/p", "Fatima"),
        (
            {"@id": "https://shop.example/r/1", "url": "https://shop.example/r/1"},
            "https://shop.example/r/1",
            "https://shop.example/r/1",
            "Fatima",
        ),
    ],
)
def test_json_ld_author_and_id_variants(fields, external_id, url, author):
    item = jsonld_item({**REVIEW_LD, **fields}, brand="B", source="ld", listing_url="https://shop.example/p")
    assert (item.external_id, item.url, item.author) == (external_id, url, author)


# ------------------------------------------------------------------- clean-up rules


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Snel&nbsp;bezorgd &amp; netjes", "Snel bezorgd & netjes"),
        ("Eerste zin.<br>Tweede zin.<br /><br/>Derde.", "Eerste zin.\nTweede zin.\nDerde."),
        ("<p>Goed</p><p><b>Echt</b> goed</p>", "Goed\nEcht goed"),
        ("  veel \t  ruimte\n\n\n en  regels ", "veel ruimte\nen regels"),
        ("zo&#x27;n doos", "zo'n doos"),
        ("<br>  ", None),
        (None, None),
    ],
)
def test_clean_text_strips_html_and_normalises_whitespace(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-11-19T08:15:00.000Z", "2026-11-19T08:15:00+00:00"),
        ("2026-11-18T21:05:00+01:00", "2026-11-18T20:05:00+00:00"),
        ("2026-11-18", "2026-11-18T00:00:00+00:00"),
        ("2026-11-18 09:30", "2026-11-18T09:30:00+00:00"),
        ("gisteren", None),
        ("", None),
        (1763539200, None),
    ],
)
def test_timestamps_become_iso_utc_with_offset(raw, iso):
    assert normalise_timestamp(raw) == iso


@pytest.mark.parametrize(
    ("raw", "code"), [("nl", "nl"), ("nl-NL", "nl"), ("EN_gb", "en"), ("Dutch", None), (None, None)]
)
def test_language_becomes_iso_639_1(raw, code):
    assert normalise_language(raw) == code


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        (4, 1, 5, (4.0, 1.0, 5.0, 0.75)),
        ("8", "1", "10", (8.0, 1.0, 10.0, 7 / 9)),
        ("4,5", None, None, (4.5, 1.0, 5.0, 0.875)),
        (1, 1, 5, (1.0, 1.0, 5.0, 0.0)),
        (7, None, None, (7.0, 1.0, 5.0, None)),
        (3, 5, 5, (3.0, 5.0, 5.0, None)),
        ("veel", 1, 5, (None, None, None, None)),
        (None, 1, 5, (None, None, None, None)),
        (True, 1, 5, (None, None, None, None)),
    ],
)
def test_rating_normalisation(value, low, high, expected):
    assert tuple(normalise_rating(value, low, high)) == pytest.approx(expected)


def test_fallback_id_is_the_contract_hash():
    key = b"B|Kees|2026-11-18T00:00:00+00:00|Prima"
    keyed = "h:" + hmac.new(b"zout", hashlib.sha1(key).hexdigest().encode(), hashlib.sha256).hexdigest()[:40]
    assert fallback_external_id("B", "Kees", "2026-11-18T00:00:00+00:00", "Prima", salt="zout") == keyed
    assert fallback_external_id("B", "Kees", "2026-11-18T00:00:00+00:00", "Prima") == hashlib.sha1(key).hexdigest()


def test_fallback_id_does_not_depend_on_where_the_review_was_found():
    """A review without an id keeps its id on another page, host or port (no duplicate on re-crawl)."""
    here = ReviewItem("ld", "B", None, "http://127.0.0.1:40001/product/b?page=1", published_at="2026-11-18", text="Prima", author="Kees")
    there = ReviewItem("ld", "B", None, "https://shop.example/product/b?page=3", published_at="2026-11-18", text="Prima", author="Kees")
    other_brand = ReviewItem("ld", "C", None, here.url, published_at="2026-11-18", text="Prima", author="Kees")
    assert resolve_external_id(here, allow_fallback=True) == resolve_external_id(there, allow_fallback=True)
    assert resolve_external_id(here, allow_fallback=True) != resolve_external_id(other_brand, allow_fallback=True)


def test_spider_and_pipeline_compute_the_same_fallback_id_from_raw_values():
    raw = ReviewItem(
        "ld", "B", None, "https://s.example/p", published_at="2026-11-18", text="Prima&nbsp;<br>snel", author=" Kees "
    )
    expected = fallback_external_id("B", "Kees", "2026-11-18T00:00:00+00:00", "Prima\nsnel")
    assert resolve_external_id(raw, allow_fallback=True) == expected
    assert resolve_external_id(raw, allow_fallback=False) is None
    assert resolve_external_id(ReviewItem("tp", "B", "abc", "u"), allow_fallback=True) == "abc"


# ------------------------------------------------------------ pipelines in process


@pytest.fixture
def salted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    monkeypatch.delenv("KLANTSTEM_PSEUDONYMISE", raising=False)


class HtmlReviewSpider(TrustpilotSpider):
    """A review source with ids of its own whose texts are HTML (as on many shop pages)."""

    name = "html-reviews"
    text_is_html = True


def raw_item(**fields: object) -> ReviewItem:
    base: dict[str, object] = {
        "source": "tp",
        "brand": "Snelkoop",
        "external_id": "r1",
        "url": "https://tp.example/reviews/r1",
        "published_at": "2026-11-19T08:15:00.000Z",
        "title": " Top ",
        "text": "Goed&amp;snel",
        "rating": 5,
        "rating_min": 1,
        "rating_max": 5,
        "language": "nl-NL",
        "author": "Jan de Vries",
    }
    return ReviewItem(**{**base, **fields})  # type: ignore[arg-type]


def test_pipelines_turn_a_raw_item_into_a_contract_row(salted, tmp_path):
    crawler = make_crawler(HtmlReviewSpider, url="https://tp.example/review/a", brand="Snelkoop", source="tp")
    row = run_pipelines(crawler, raw_item())
    assert (row.title, row.text, row.language, row.published_at) == (
        "Top",
        "Goed&snel",
        "nl",
        "2026-11-19T08:15:00+00:00",
    )
    assert (row.rating, row.rating_min, row.rating_max, row.rating_normalised) == (5.0, 1.0, 5.0, 1.0)
    assert row.author == pseudonymise(TEST_SALT, "tp", "Jan de Vries")
    assert row.fetched_at is not None and row.fetched_at.endswith("+00:00")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"text": "<br> "}, "missing_text"),
        ({"published_at": "vorige week"}, "missing_published_at"),
        ({"external_id": None}, "missing_external_id"),
    ],
)
def test_validation_drops_and_counts_unusable_items(salted, fields, reason):
    crawler = make_crawler(HtmlReviewSpider, url="https://tp.example/review/a", brand="Snelkoop")
    with pytest.raises(DropItem):
        run_pipelines(crawler, raw_item(**fields))
    assert crawler.stats.get_value(f"klantstem/dropped/{reason}") == 1
    assert run_pipelines(crawler, raw_item()).external_id == "r1"  # the next item still goes through


def test_plain_text_sources_keep_what_the_customer_typed(salted):
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop", source="tp")
    row = run_pipelines(crawler, raw_item(text="prijs 5<10 en 10>5,  Goed&amp;snel\n\n<br> is geen HTML", title=" A&amp;B "))
    assert (row.title, row.text) == ("A&amp;B", "prijs 5<10 en 10>5, Goed&amp;snel\n<br> is geen HTML")
    assert clean_text("prijs 5<10 en 10>5") == "prijs 55"  # why HTML cleaning must not touch plain text


def test_seen_items_are_dropped_and_counted(salted, tmp_path):
    seen = tmp_path / "seen.txt"
    seen.write_text("r1\n\n", encoding="utf-8")
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop", seen_ids=str(seen))
    with pytest.raises(DropItem):
        run_pipelines(crawler, raw_item())
    assert run_pipelines(crawler, raw_item(external_id="r2")).external_id == "r2"
    assert crawler.stats.get_value("klantstem/seen") == 1


def test_pseudonymisation_can_be_switched_off(monkeypatch):
    monkeypatch.delenv("KLANTSTEM_AUTHOR_SALT", raising=False)
    monkeypatch.setenv("KLANTSTEM_PSEUDONYMISE", "0")
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop")
    assert run_pipelines(crawler, raw_item()).author == "Jan de Vries"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"brand": "B"}, "spider argument 'url' is required"),
        ({"url": "ftp://x.example/", "brand": "B"}, "is not an http(s) URL"),
        ({"url": "https://x.example/"}, "spider argument 'brand' is required"),
        ({"url": "https://x.example/", "brand": "B", "max_pages": "0"}, "max_pages='0' must be a whole number >= 1"),
        ({"url": "https://x.example/", "brand": "B", "seen_ids": "/nonexistent/seen.txt"}, "seen_ids file not found"),
    ],
)
def test_bad_spider_arguments_refuse_to_start(args, message):
    with pytest.raises(CrawlSetupError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_crawler(JsonLdSpider, **args)


def test_summary_reports_the_first_error_and_early_endings():
    started = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    stats = {
        "start_time": started,
        "klantstem/errors": ["u: HTTP 500", "v: HTTP 502"],
        "klantstem/dropped/missing_text": 2,
    }
    summary = build_summary(
        stats, spider="tp", brand="B", source="tp", url="u", reason="finished", finished_at=started.replace(second=3)
    )
    assert (summary["error"], summary["items_dropped"], summary["elapsed_s"]) == (
        "u: HTTP 500",
        {"missing_text": 2},
        3.0,
    )
    killed = build_summary({}, spider="tp", brand="B", source="tp", url="u", reason="shutdown", finished_at=started)
    assert killed["error"] == "crawl ended early: shutdown"


# ------------------------------------------------------ real crawls against the demo


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer(today=DEMO_TODAY) as server:
        yield server


@pytest.fixture(scope="module")
def site(demo: DemoServer) -> DemoSite:
    return demo.site


@pytest.fixture(scope="module")
def crawl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crawls")


@pytest.fixture(scope="module")
def full_crawl(demo: DemoServer, crawl_dir: Path) -> CrawlResult:
    """Every Snelkoop review on the Trustpilot-style site (which asks no login beyond page 10)."""
    return run_crawl("trustpilot", source_url(demo.base_url, SNELKOOP, "trustpilot"), crawl_dir / "full",
                     settings={"KLANTSTEM_TRUSTPILOT_LOGIN_WALL_PAGE": "0"})


def test_crawl_delivers_every_review_with_all_contract_fields(full_crawl, site):
    expected = site.listing(SNELKOOP, "trustpilot")
    assert full_crawl.returncode == 0, full_crawl.stderr
    assert [i["external_id"] for i in full_crawl.items] == [r.id for r in expected]
    assert list(STAGING_FIELDS) == CONTRACT_FIELDS
    for item, review in zip(full_crawl.items, expected, strict=True):
        assert list(item) == CONTRACT_FIELDS
        assert (item["source"], item["brand"], item["kind"]) == ("trustpilot", "Snelkoop", "review")
        assert item["url"].endswith(f"/reviews/{review.id}")
        assert item["text"] == review.text  # HTML stripped, entities decoded, paragraphs kept
        assert item["title"] == review.title and item["language"] == review.language
        assert item["rating"] == review.rating and item["rating_normalised"] == (review.rating - 1) / 4
        assert item["reply"] == (review.reply.message if review.reply else None)
        assert item["published_at"] == review.published_at.isoformat()


def test_the_belgian_brand_s_french_reviews_arrive_in_french(demo, site, crawl_dir):
    crawl = run_crawl("trustpilot", source_url(demo.base_url, COLIBRI, "trustpilot"), crawl_dir / "colibri",
                      settings={"KLANTSTEM_TRUSTPILOT_LOGIN_WALL_PAGE": "0"})
    assert crawl.returncode == 0, crawl.stderr
    expected = {r.id: r for r in site.listing(COLIBRI, "trustpilot")}
    french = [i for i in crawl.items if i["language"] == "fr"]
    assert french and all(expected[i["external_id"]].language == "fr" for i in french)
    assert all(i["text"] == expected[i["external_id"]].text for i in french), "accents and elisions intact"


def test_crawl_output_passes_the_warehouse_border_control(full_crawl):
    for item in full_crawl.items:
        validate_row(item)


def test_trustpilot_texts_reach_staging_as_typed_with_their_paragraphs(full_crawl, site):
    reviews = {r.id: r for r in site.listing(SNELKOOP, "trustpilot")}
    assert any("\n" in r.text for r in reviews.values())
    for item in full_crawl.items:
        assert item["text"] == reviews[item["external_id"]].text


def test_authors_are_pseudonymised_and_raw_names_never_written(full_crawl, site, crawl_dir):
    reviews = {r.id: r for r in site.listing(SNELKOOP, "trustpilot")}
    for item in full_crawl.items:
        assert item["author"] == pseudonymise(TEST_SALT, "trustpilot", reviews[item["external_id"]].author)
    written = (crawl_dir / "full" / "out.jsonl").read_text(encoding="utf-8")
    assert not [r.author for r in reviews.values() if f'"{r.author}"' in written]


def test_stats_file_summarises_a_clean_crawl(full_crawl, site):
    pages = -(-len(site.listing(SNELKOOP, "trustpilot")) // 20)
    assert full_crawl.stats is not None
    assert {k: full_crawl.stats[k] for k in ("pages_fetched", "pages_failed", "stop_reason", "error", "errors")} == {
        "pages_fetched": pages,
        "pages_failed": 0,
        "stop_reason": "last_page",
        "error": None,
        "errors": [],
    }
    assert full_crawl.stats["items_scraped"] == len(full_crawl.items)
    assert (full_crawl.stats["brand"], full_crawl.stats["source"]) == ("Snelkoop", "trustpilot")


def test_seen_ids_stop_paging_at_the_first_seen_page_and_drop_seen_items(full_crawl, demo, crawl_dir):
    """As if the warehouse already held everything from review 45 on (page 3 of 20-per-page)."""
    ids = [item["external_id"] for item in full_crawl.items]
    incremental = run_crawl(
        "trustpilot", source_url(demo.base_url, SNELKOOP, "trustpilot"), crawl_dir / "incr", seen_ids=ids[45:]
    )
    assert [i["external_id"] for i in incremental.items] == ids[:45]
    assert incremental.stats is not None
    assert (incremental.stats["pages_fetched"], incremental.stats["stop_reason"]) == (3, "seen")
    assert incremental.stats["items_seen"] == 15
    # Pseudonyms are stable across runs: the same authors map to the same values.
    before = {i["external_id"]: i["author"] for i in full_crawl.items}
    assert all(before[i["external_id"]] == i["author"] for i in incremental.items)


@pytest.fixture(scope="module")
def jsonld_two_pages(demo: DemoServer, crawl_dir: Path) -> CrawlResult:
    return run_crawl(
        "jsonld", source_url(demo.base_url, BESTELHUIS, "jsonld"), crawl_dir / "ld2", brand="Bestelhuis", max_pages=2
    )


def test_jsonld_pagination_stops_at_max_pages(jsonld_two_pages, site):
    expected = site.listing(BESTELHUIS, "jsonld")[:40]
    assert len(site.listing(BESTELHUIS, "jsonld")) > 60
    assert [i["text"] for i in jsonld_two_pages.items] == [r.text for r in expected]
    assert jsonld_two_pages.stats is not None
    assert (jsonld_two_pages.stats["pages_fetched"], jsonld_two_pages.stats["stop_reason"]) == (2, "max_pages")


def test_jsonld_ratings_keep_their_scale_and_normalise(jsonld_two_pages, site):
    for item, review in zip(jsonld_two_pages.items, site.listing(BESTELHUIS, "jsonld")[:40], strict=True):
        assert (item["rating"], item["rating_min"], item["rating_max"]) == (review.rating, 1.0, 10.0)
        assert item["rating_normalised"] == pytest.approx((review.rating - 1) / 9)
        assert re.fullmatch(r"h:[0-9a-f]{40}", item["external_id"])  # no ids on the page: the contract's keyed hash


def test_jsonld_incremental_crawl_recognises_its_fallback_ids(jsonld_two_pages, demo, crawl_dir):
    ids = [i["external_id"] for i in jsonld_two_pages.items]
    again = run_crawl(
        "jsonld",
        source_url(demo.base_url, BESTELHUIS, "jsonld"),
        crawl_dir / "ld-incr",
        brand="Bestelhuis",
        seen_ids=ids[25:],
    )
    assert [i["external_id"] for i in again.items] == ids[:25]
    assert again.stats is not None and (again.stats["pages_fetched"], again.stats["stop_reason"]) == (2, "seen")


def test_robots_txt_is_obeyed(demo, crawl_dir):
    forbidden = f"{demo.base_url}/account/review/snelkoop.example"
    result = run_crawl("trustpilot", forbidden, crawl_dir / "robots")
    assert "/robots.txt" in demo.requested_paths
    assert not [p for p in demo.requested_paths if p.startswith("/account/")]
    assert result.stats is not None and result.stats["error"] == f"{forbidden}?sort=recency: Forbidden by robots.txt"


@pytest.mark.parametrize(
    ("domain", "error"),
    [("broken.example", "HTTP 500"), ("malformed.example", "__NEXT_DATA__ is not valid JSON")],
)
def test_failed_first_page_is_reported_in_the_stats_file(demo, crawl_dir, domain, error):
    url = f"{demo.base_url}/review/{domain}"
    result = run_crawl("trustpilot", url, crawl_dir / domain)
    assert result.returncode == 0 and result.items == []
    assert result.stats is not None and result.stats["pages_failed"] == 1
    assert result.stats["error"].startswith(f"{url}?sort=recency: ") and error in result.stats["error"]
    assert result.stats["error"] in result.stderr  # and it is logged


def test_missing_salt_stops_the_crawl_before_any_request(demo, crawl_dir):
    before = len(demo.requested_paths)
    result = run_crawl(
        "trustpilot",
        source_url(demo.base_url, WINKELWAGEN, "trustpilot"),
        crawl_dir / "nosalt",
        env={"KLANTSTEM_AUTHOR_SALT": ""},
    )
    assert result.returncode == 1 and result.items == [] and result.stats is None
    assert "CRITICAL: KLANTSTEM_AUTHOR_SALT is not set" in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("KLANTSTEM_PSEUDONYMISE=0 to store raw author names)")
    assert len(demo.requested_paths) == before
