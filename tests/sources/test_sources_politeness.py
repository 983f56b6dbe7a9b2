"""Politeness for the new sources: per-source minimum delays and doing what a rate-limited
server asks (429 + Retry-After), with every give-up ending up in the stats file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.utils import formatdate
from types import SimpleNamespace

import pytest
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy.settings import Settings

from spiders import settings as project_settings
from spiders.middlewares import RetryAfterMiddleware, retry_after_seconds
from spiders.spiders.appstore import AppStoreSpider, feed_url
from spiders.spiders.reddit import RedditSpider
from tests.source_fixtures import APPSTORE_APP, FIXTURE_SETTINGS, SourceFixtureServer
from tests.spider_helpers import CrawlResult, run_crawl


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (b"0.5", 0.5), ("-3", 0.0), ("soon", None), ("", None), (None, None)],
)
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date():
    now = time.time()
    assert retry_after_seconds(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert retry_after_seconds(formatdate(now - 30, usegmt=True), now=now) == 0.0


def crawler_settings(spider: type, **cmdline: object) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    for name, value in cmdline.items():
        settings.set(name, value, priority="cmdline")
    return Crawler(spider, settings).settings


def test_reddit_keeps_six_seconds_between_requests_even_when_the_flow_asks_for_less():
    assert crawler_settings(RedditSpider, DOWNLOAD_DELAY=1.0).getfloat("DOWNLOAD_DELAY") == 6.0
    assert crawler_settings(RedditSpider, DOWNLOAD_DELAY=10.0).getfloat("DOWNLOAD_DELAY") == 10.0
    assert crawler_settings(AppStoreSpider, DOWNLOAD_DELAY=1.0).getfloat("DOWNLOAD_DELAY") == 1.0
    loopback = crawler_settings(RedditSpider, DOWNLOAD_DELAY=0.0, KLANTSTEM_SOURCE_RATE_LIMITS=False)
    assert loopback.getfloat("DOWNLOAD_DELAY") == 0.0


def test_a_used_up_request_quota_holds_back_the_hosts_next_request():
    slot = SimpleNamespace(lastseen=0.0)
    downloader = SimpleNamespace(slots={"www.reddit.com": slot}, get_slot_key=lambda request: "www.reddit.com")
    settings = Settings({"KLANTSTEM_RETRY_AFTER_MAX_S": 300, "RETRY_ENABLED": True})
    middleware = RetryAfterMiddleware(SimpleNamespace(settings=settings, engine=SimpleNamespace(downloader=downloader)))
    request = Request("https://www.reddit.com/r/x/new.json")
    middleware._honour_quota_headers(request, Response(request.url, headers={"X-Ratelimit-Remaining": "3.0"}))
    assert slot.lastseen == 0.0
    headers = {"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "42"}
    middleware._honour_quota_headers(request, Response(request.url, headers=headers))
    assert slot.lastseen == pytest.approx(time.monotonic() + 42, abs=1)


# ------------------------------------------------------------ real crawls, real waits


def page_path(country: str, page: int) -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={APPSTORE_APP}/"


@pytest.fixture(scope="module")
def server() -> Iterator[SourceFixtureServer]:
    with SourceFixtureServer() as running:
        yield running


@pytest.fixture(scope="module")
def rate_limited(server: SourceFixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CrawlResult]:
    """Two App Store crawls side by side: 'nl' is rate limited twice, 'be' on every try of page 2."""
    server.fail(page_path("nl", 2), 429, headers={"Retry-After": "1"}, body="Too Many Requests")
    server.fail(page_path("nl", 3), 429, body="Too Many Requests")  # no Retry-After: the default wait
    server.fail(page_path("be", 2), 429, headers={"Retry-After": "120"}, times=10)
    root = tmp_path_factory.mktemp("rate-limited")

    def run(country: str) -> CrawlResult:
        return run_crawl(
            "appstore",
            server.base_url,
            root / country,
            args={"app_id": APPSTORE_APP, "country": country},
            settings={**FIXTURE_SETTINGS, "KLANTSTEM_RETRY_AFTER_DEFAULT_S": "0.2"},
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(["nl", "be"], pool.map(run, ["nl", "be"]), strict=True))


def test_429_waits_for_retry_after_then_retries_and_loses_nothing(rate_limited, server):
    result = rate_limited["nl"]
    assert result.stats is not None and result.stats["error"] is None, result.stderr
    assert len(result.items) == 101 and result.stats["pages_fetched"] == 3
    for page, wait in ((2, 0.3), (3, 0.2)):  # Retry-After 1 s, capped at 0.3 s in tests; the default
        first, retry = server.requests_to(page_path("nl", page))
        assert retry.at - first.at >= wait
    assert "answered 429: waiting 0.3 s (Retry-After 1)" in result.stderr
    assert "answered 429: waiting 0.2 s (Retry-After absent)" in result.stderr


def test_429_that_never_ends_is_reported_in_the_stats_file_and_earlier_pages_are_kept(rate_limited, server):
    result = rate_limited["be"]
    assert len(server.requests_to(page_path("be", 2))) == 3  # the first try and RETRY_TIMES=2 retries
    assert len(result.items) == 50 and result.returncode == 0
    url = feed_url(server.base_url, "be", APPSTORE_APP, 2)
    assert result.stats is not None and result.stats["error"] == (
        f"{url}: HTTP 429: rate limited: Retry-After 120 s, waited 0.3 s per try, gave up after 2 retries"
    )
    assert result.stats["pages_failed"] == 1
