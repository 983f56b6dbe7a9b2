"""Spiders, one per source type, and the base class they share.

A spider subclass only implements ``parse_page`` (page in, raw items and next-page URL
out). ``ReviewSpider`` owns what every source needs in the same way: the contract's
arguments (docs/ARCHITECTURE.md section 2), incremental stopping, recording failed pages
and writing the crawl stats file that the flow turns into the run summary.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import urlparse

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from klantstem.config import Source
from spiders import PageParseError, refuse_to_start
from spiders.items import ReviewItem
from spiders.pipelines import STATS_PREFIX, resolve_external_id

DEFAULT_MAX_PAGES: int = Source.model_fields["max_pages"].default
STATS_FILE_SETTING = "KLANTSTEM_STATS_FILE"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageResult:
    """What one listing page gave: its reviews (raw) and the next page, if there is one."""

    items: list[ReviewItem]
    next_url: str | None


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or None where a level is missing or not an object.

    Page data is untrusted; one odd review must become an item that validation drops,
    not an exception that loses the whole page.
    """
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def describe_failure(failure: Failure) -> str:
    """One line for a request that produced no usable response."""
    if isinstance(failure.value, HttpError):
        return f"HTTP {failure.value.response.status}"
    return failure.getErrorMessage() or type(failure.value).__name__


def build_summary(
    stats: Mapping[str, Any],
    *,
    spider: str,
    brand: str,
    source: str,
    url: str,
    reason: str,
    finished_at: datetime,
) -> dict[str, Any]:
    """The stats file's content (format documented in spiders/settings.py).

    ``error`` is the first failure, or why the crawl ended early; the flow reports the
    source as failed when it is set, even though items from earlier pages are valid.
    """
    errors: list[str] = list(stats.get(STATS_PREFIX + "errors", []))
    dropped_prefix = STATS_PREFIX + "dropped/"
    started_at: datetime | None = stats.get("start_time")
    error = errors[0] if errors else None
    if error is None and reason != "finished":
        error = f"crawl ended early: {reason}"
    return {
        "spider": spider,
        "brand": brand,
        "source": source,
        "url": url,
        "finish_reason": reason,
        "started_at": started_at.isoformat(timespec="seconds") if started_at else None,
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "elapsed_s": round((finished_at - started_at).total_seconds(), 3) if started_at else None,
        "pages_fetched": stats.get(STATS_PREFIX + "pages_fetched", 0),
        "pages_failed": stats.get(STATS_PREFIX + "pages_failed", 0),
        "items_scraped": stats.get("item_scraped_count", 0),
        "items_seen": stats.get(STATS_PREFIX + "seen", 0),
        "items_dropped": {
            key.removeprefix(dropped_prefix): count
            for key, count in sorted(stats.items())
            if key.startswith(dropped_prefix)
        },
        "stop_reason": stats.get(STATS_PREFIX + "stop_reason"),
        "errors": errors,
        "error": error,
    }


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write via a temporary file so the flow never reads half a stats file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _parse_start_url(name: str, url: str | None) -> str:
    if not url:
        refuse_to_start(logger, f"{name}: spider argument 'url' is required (-a url=https://...)")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        refuse_to_start(logger, f"{name}: spider argument url={url!r} is not an http(s) URL")
    return url


def _parse_max_pages(name: str, max_pages: str | int | None) -> int:
    if max_pages is None:
        return DEFAULT_MAX_PAGES
    pages = int(max_pages) if str(max_pages).strip().isdigit() else 0
    if pages < 1:
        refuse_to_start(logger, f"{name}: spider argument max_pages={max_pages!r} must be a whole number >= 1")
    return pages


def _load_seen_ids(name: str, path: str | None) -> frozenset[str]:
    """Ids from a text file, one per line; no file argument means a first crawl."""
    if not path:
        return frozenset()
    if not Path(path).is_file():
        refuse_to_start(logger, f"{name}: seen_ids file not found: {path}")
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


class ReviewSpider(scrapy.Spider):
    """Base for listing spiders whose pages are newest first.

    Arguments (all strings on the command line): ``url`` first listing page, ``brand``,
    ``source`` (stable key, default the spider name), ``max_pages`` (default as in
    monitor.toml), ``seen_ids`` (file of ids the warehouse already holds). Paging stops
    after the last page, after ``max_pages``, or after the first page holding a seen id:
    everything older was stored by an earlier run.
    """

    #: True where the source has no ids of its own and the contract's hash stands in.
    id_fallback: ClassVar[bool] = False

    def __init__(
        self,
        url: str | None = None,
        brand: str | None = None,
        source: str | None = None,
        max_pages: str | int | None = None,
        seen_ids: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_url = _parse_start_url(self.name, url)
        if not brand:
            refuse_to_start(logger, f"{self.name}: spider argument 'brand' is required (-a brand=...)")
        self.brand = brand
        self.source = source or self.name
        self.max_pages = _parse_max_pages(self.name, max_pages)
        self.seen_ids = _load_seen_ids(self.name, seen_ids)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        yield self._page_request(self.start_url, page=1)

    def parse_page(self, response: TextResponse) -> PageResult:
        """Read one listing page; raise ``PageParseError`` when its review data is unreadable."""
        raise NotImplementedError

    def parse(self, response: Response, page: int = 1) -> Iterator[ReviewItem | Request]:
        """Yield the page's items, then the next page unless ``_next_page_request`` says stop."""
        self._count("pages_fetched")
        if not isinstance(response, TextResponse):
            raise PageParseError(response.url, f"not a text page ({response.headers.get('Content-Type')!r})")
        result = self.parse_page(response)
        yield from result.items
        next_request = self._next_page_request(result, page)
        if next_request is not None:
            yield next_request

    def closed(self, reason: str) -> None:
        """Write the stats file (setting ``KLANTSTEM_STATS_FILE``) for the run summary."""
        path = self.settings.get(STATS_FILE_SETTING)
        if not path:
            return
        summary = build_summary(
            self._stats.get_stats(),
            spider=self.name,
            brand=self.brand,
            source=self.source,
            url=self.start_url,
            reason=reason,
            finished_at=datetime.now(UTC),
        )
        write_json_atomic(Path(path), summary)

    @property
    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None  # set before the spider opens
        return self.crawler.stats

    def _count(self, key: str) -> None:
        self._stats.inc_value(STATS_PREFIX + key)

    def _page_request(self, url: str, page: int) -> Request:
        return Request(url, callback=self.parse, errback=self._on_request_failed, cb_kwargs={"page": page})

    def _next_page_request(self, result: PageResult, page: int) -> Request | None:
        """The request for the following page, or None after recording why paging stops."""
        if any(resolve_external_id(item, self.id_fallback) in self.seen_ids for item in result.items):
            stop_reason = "seen"
        elif result.next_url is None:
            stop_reason = "last_page"
        elif page >= self.max_pages:
            stop_reason = "max_pages"
        else:
            return self._page_request(result.next_url, page + 1)
        self._stats.set_value(STATS_PREFIX + "stop_reason", stop_reason)
        self.logger.info("stopped paging after page %d: %s", page, stop_reason)
        return None

    def _on_request_failed(self, failure: Failure) -> None:
        """Errback: HTTP error status after retries, network failure, robots.txt refusal."""
        self._record_error(f"{failure.request.url}: {describe_failure(failure)}")  # type: ignore[attr-defined]

    def _on_spider_error(self, failure: Failure, response: Response) -> None:
        """A callback raised: Scrapy logs the traceback, this records the one-line reason."""
        exc = failure.value
        if isinstance(exc, PageParseError):
            self._record_error(str(exc))
        else:
            self._record_error(f"{response.url}: {type(exc).__name__}: {exc}")

    def _record_error(self, line: str) -> None:
        self.logger.error("page failed: %s", line)
        self._count("pages_failed")
        errors = self._stats.get_value(STATS_PREFIX + "errors", [])
        self._stats.set_value(STATS_PREFIX + "errors", [*errors, line])
