"""Every row a source serves is stored or counted with a reason: nothing vanishes between the
page and the warehouse, whatever a hostile or broken page puts in a field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.python.failure import Failure

from klantstem.limits import MAX_STORED_CHARS
from spiders.items import ReviewItem
from spiders.pipelines import normalise_rating, normalise_timestamp, to_float
from spiders.stats import build_summary
from spiders.spiders.jsonld import JsonLdSpider
from spiders.spiders.trustpilot import TrustpilotSpider
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines
from warehouse.staging import RowError, parse_lines, validate_row
from tests.warehouse_helpers import row


@pytest.fixture
def crawler(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    return make_crawler(TrustpilotSpider, url="https://tp.example/review/a", brand="Snelkoop", source="tp")


def item(**fields: object) -> ReviewItem:
    base: dict[str, object] = {"source": "tp", "brand": "Snelkoop", "external_id": "r1", "url": "https://tp.example/r1",
                               "published_at": "2026-11-19T08:15:00Z", "text": "Prima", "rating": 4,
                               "author": "Jan de Vries"}
    return ReviewItem(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [[], {}, [1, "a"], {"a": 1}, 10**400, object()])
def test_a_rating_that_is_no_number_is_read_as_no_rating(value: object) -> None:
    assert to_float(value) is None  # type: ignore[arg-type]
    assert normalise_rating(4, 1, value).normalised == 0.75  # type: ignore[arg-type]  # a bad scale: the default


@pytest.mark.parametrize("value", [[], {}])
def test_a_review_with_a_list_or_object_rating_is_kept_without_a_rating(crawler, value: object) -> None:
    done = run_pipelines(crawler, item(rating=value))
    assert (done.external_id, done.rating, done.rating_normalised) == ("r1", None, None)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_date_that_overflows_in_utc_is_unreadable_and_the_row_dropped_and_counted(crawler, value: str) -> None:
    assert normalise_timestamp(value) is None
    with pytest.raises(DropItem):
        run_pipelines(crawler, item(published_at=value))
    assert crawler.stats.get_value("klantstem/dropped/missing_published_at") == 1


@pytest.mark.parametrize("value", ["9999-01-01", "in 3 days"])
def test_a_review_dated_in_the_future_is_dropped_and_counted(crawler, value: str) -> None:
    if value == "in 3 days":  # computed when the test runs, so every collection names the same tests
        value = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    with pytest.raises(DropItem, match="in the future"):
        run_pipelines(crawler, item(published_at=value))
    assert crawler.stats.get_value("klantstem/dropped/future_date") == 1


def test_a_review_dated_a_few_hours_ahead_is_kept(crawler) -> None:
    """Review sites in time zones east of UTC may date a review hours 'ahead' of our clock."""
    soon = (datetime.now(UTC) + timedelta(hours=14)).isoformat()
    assert run_pipelines(crawler, item(published_at=soon)).external_id == "r1"


def test_the_loader_refuses_future_and_out_of_range_dates_with_a_reason() -> None:
    with pytest.raises(RowError, match="published_at: in the future"):
        validate_row(row("x", published_at="9999-01-01T00:00:00+00:00"))
    batch = parse_lines(['{"source": "tp", "external_id": "y", "brand": "B", "text": "t", '
                         '"published_at": "0001-01-01T00:00:00+01:00"}'], origin="f.jsonl")
    assert batch.rejects == ["f.jsonl:1: published_at: out of range in UTC: '0001-01-01T00:00:00+01:00'"]


def test_a_row_a_pipeline_fails_on_is_counted_as_dropped_and_named_in_the_warnings(crawler) -> None:
    """Scrapy logs an item whose pipeline raised and moves on; the stats must count it, or
    '27 served, 20 new, 3 dropped' leaves 4 rows unexplained."""
    spider = crawler.spider
    failure = Failure(TypeError("float() argument must be a string or a real number, not 'list'"))
    crawler.signals.send_catch_log(signals.item_error, item=item(), response=None, spider=spider, failure=failure)
    stats = crawler.stats.get_stats()
    summary = build_summary(stats, spider="trustpilot", brand="Snelkoop", source="tp", url=spider.start_url,
                            reason="finished", finished_at=datetime.now(UTC))
    assert summary["items_dropped"] == {"unreadable": 1}
    assert summary["warnings"] == ["https://tp.example/r1: a row could not be read and was dropped "
                                   "(TypeError: float() argument must be a string or a real number, not 'list')"]
    assert summary["error"] is None


def test_items_in_logs_carry_no_author_name() -> None:
    """Scrapy writes the item into its log when a pipeline drops or fails on it, possibly
    before pseudonymisation: the item's text form leaves the author out."""
    assert "Jan de Vries" not in repr(item()) and "Jan de Vries" not in str(item())


def test_an_overlong_text_is_stored_cut_and_the_cut_counted(crawler) -> None:
    done = run_pipelines(crawler, item(text="woord " * 1_000_000, title="t" * (MAX_STORED_CHARS + 5)))
    assert len(done.text) == len(done.title) == MAX_STORED_CHARS
    assert done.text.endswith("…")
    assert crawler.stats.get_value("klantstem/truncated/text") == 1
    assert crawler.stats.get_value("klantstem/truncated/title") == 1


def test_a_jsonld_review_with_a_list_rating_keeps_the_good_reviews_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    ld = make_crawler(JsonLdSpider, url="https://shop.example/reviews", brand="Snelkoop", source="ld")
    done = run_pipelines(ld, item(source="ld", external_id=None, rating=[5], rating_max={"v": 5}))
    assert done.external_id and done.rating is None
