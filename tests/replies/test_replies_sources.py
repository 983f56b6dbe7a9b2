"""Replies as the spiders read them (issue 14): the reply's date where a platform gives one,
the replier's name pseudonymised like an author's, and a re-crawl that lets a stored review
through when its reply, rating or text changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from klantstem.review_state import review_state, seen_line
from spiders.items import ReviewItem
from spiders.spiders.jsonld import JsonLdSpider
from spiders.spiders.trustpilot import TrustpilotSpider
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines


@pytest.fixture(autouse=True)
def salted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    monkeypatch.delenv("KLANTSTEM_PSEUDONYMISE", raising=False)


def item(**fields: object) -> ReviewItem:
    base: dict[str, object] = {
        "source": "tp", "brand": "Snelkoop", "external_id": "r1", "url": "https://tp.example/reviews/r1",
        "published_at": "2026-11-19T08:15:00.000Z", "text": "Pakket kwijt.", "rating": 1, "author": "Jan de Vries",
    }
    base.update(fields)
    return ReviewItem(**base)  # type: ignore[arg-type]


JSONLD_PAGE = """<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product",
 "name": "Bestelhuis", "review": [
  {"@type": "Review", "author": {"@type": "Person", "name": "Kees"}, "datePublished": "2026-11-18",
   "reviewBody": "Pakket twee dagen te laat.", "reviewRating": {"ratingValue": "4", "bestRating": "10"},
   "comment": [{"@type": "Comment", "text": "Vervelend Kees, we sturen je een tegoedbon.",
                "dateCreated": "2026-11-19T09:30:00+01:00",
                "author": {"@type": "Person", "name": "Fatima uit het klantteam",
                           "worksFor": {"@type": "Organization", "name": "Bestelhuis"}}}]},
  {"@type": "Review", "author": "Anna", "datePublished": "2026-11-17", "reviewBody": "Prima geholpen.",
   "comment": {"@type": "Comment", "text": "Ik had hetzelfde!", "author": {"@type": "Person", "name": "Piet"}}},
  {"@type": "Review", "author": "Bo", "datePublished": "2026-11-16", "reviewBody": "Snel geleverd.",
   "comment": {"@type": "Comment", "text": "Dank je, Bo!", "author": {"@type": "Organization", "name": "Bestelhuis"}}}
 ]}</script>"""


def test_a_jsonld_comment_by_the_company_is_its_reply_and_a_customers_comment_is_not() -> None:
    crawler = make_crawler(JsonLdSpider, url="https://shop.example/r", brand="Bestelhuis", source="jsonld")
    response = HtmlResponse("https://shop.example/r", body=JSONLD_PAGE.encode(), encoding="utf-8")
    by_employee, by_customer, by_company = crawler.spider.parse_page(response).items
    assert (by_employee.reply, by_employee.reply_at) == ("Vervelend Kees, we sturen je een tegoedbon.",
                                                         "2026-11-19T09:30:00+01:00")
    assert by_customer.reply is None
    assert (by_company.reply, by_company.reply_at, by_company.reply_author) == ("Dank je, Bo!", None, None)

    row = run_pipelines(crawler, by_employee)
    assert row.reply_at == "2026-11-19T08:30:00+00:00"
    assert row.reply_author is not None and "Fatima" not in row.reply_author, "pseudonymised like an author"
    assert len(row.reply_author) == 16


def test_a_reply_date_without_a_reply_is_not_kept() -> None:
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop", source="tp")
    assert run_pipelines(crawler, item(reply_at="2026-11-19T10:00:00.000Z")).reply_at is None


def seen_file(tmp_path: Path, state: str | None) -> str:
    path = tmp_path / "seen.txt"
    path.write_text(seen_line("r1", state), encoding="utf-8")
    return str(path)


def test_a_stored_review_passes_the_crawl_again_only_when_its_reply_rating_or_text_changed(tmp_path: Path) -> None:
    stored = review_state(1.0, "Pakket kwijt.", None)
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop", source="tp",
                           seen_ids=seen_file(tmp_path, stored))
    with pytest.raises(DropItem):
        run_pipelines(crawler, item())
    assert run_pipelines(crawler, item(reply="Excuses!")).reply == "Excuses!"
    assert run_pipelines(crawler, item(rating=4)).rating == 4.0
    assert run_pipelines(crawler, item(text="Pakket kwijt. Update: gevonden!")).text.endswith("gevonden!")
    assert crawler.stats.get_value("klantstem/seen") == 1
    assert crawler.stats.get_value("klantstem/changed") == 3


def test_a_seen_ids_file_without_digests_drops_every_stored_review(tmp_path: Path) -> None:
    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop", source="tp",
                           seen_ids=seen_file(tmp_path, None))
    with pytest.raises(DropItem):
        run_pipelines(crawler, item(reply="Excuses!"))
