"""The base class every spider shares, and the helpers their page parsers use.

A spider subclass (``spiders.spiders``, one per source type) only implements ``parse_page``
(page in, raw items and next-page URL out). ``ReviewSpider`` owns what every source needs in
the same way: the contract's arguments (docs/ARCHITECTURE.md section 2), incremental stopping
and recording failed pages in the crawl stats, which the ``spiders.stats.CrawlStatsWriter``
extension writes to the stats file that the flow turns into the run summary.

Sources with several listings (subreddits, hashtags, feeds, search queries) start one
request per listing and tag it with ``listing``; paging, ``max_pages`` and the incremental
stop then apply per listing, and ``stop_reasons`` in the stats file says how each ended.
Post sources (``brand_filter``, from the source type's kind in ``klantstem.config.SOURCE_TYPES``)
take the brand's ``keywords``/``exclude`` as arguments; ``BrandMatchPipeline`` keeps only the
texts that mention the brand.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Self
from urllib.parse import urlparse

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from twisted.python.failure import Failure

from klantstem.config import SOURCE_TYPES, Source
from klantstem.privacy import SALT_ENV
from klantstem.review_state import parse_seen_line
from spiders import PageParseError, refuse_to_start
from spiders.brands import BrandMatcher, parse_list_arg
from spiders.items import ReviewItem
from spiders.middlewares import RATE_LIMIT_META
from spiders.pipelines import STATS_PREFIX, resolve_external_id

DEFAULT_MAX_PAGES: int = Source.model_fields["max_pages"].default
#: Where a spider whose source has no ids writes every id it read on its pages (seen ones too),
#: one per line: the loader tells an edited review from a second one by it (warehouse.identity).
PAGE_IDS_FILE_SETTING = "KLANTSTEM_PAGE_IDS_FILE"
RATE_LIMITS_SETTING = "KLANTSTEM_SOURCE_RATE_LIMITS"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageResult:
    """What one listing page gave: its reviews (raw) and the next page, if there is one."""

    items: list[ReviewItem]
    next_url: str | None
    #: POST body for the next page (batchexecute-style APIs); None means GET ``next_url``.
    next_body: str | None = None
    #: Further requests the page leads to that are not listing pages (e.g. article pages).
    requests: list[Request] = field(default_factory=list)
    #: Items of this page that one of ``requests`` completes and yields (the App Store's
    #: dates from the XML twin); they count for the incremental stop like ``items``.
    pending: list[ReviewItem] = field(default_factory=list)
    #: Why there is no next page when it is not simply the last one (e.g. ``login_wall``).
    stop_reason: str | None = None
    #: How many items the whole listing holds, where the source says (for the depth report).
    total: int | None = None


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


def server_message(response: Response, limit: int = 160) -> str | None:
    """The reason a JSON API gives with an error status (``error``, ``message``, ``reason``)."""
    if not isinstance(response, TextResponse):
        return None
    try:
        data = json.loads(response.text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, Mapping):
        return None
    keys = ("error", "message", "reason", "error_description")
    parts = [data[key] for key in keys if isinstance(data.get(key), str) and data[key].strip()]
    text = "; ".join(dict.fromkeys(parts))
    return text[:limit] if text else None


def rate_limit_note(response: Response) -> str | None:
    """What ``RetryAfterMiddleware`` did before giving up, in words."""
    note = response.meta.get(RATE_LIMIT_META) if response.request is not None else None
    if not note:
        return None
    return (
        f"rate limited: Retry-After {note['retry_after_s']:g} s, waited {note['waited_s']:g} s "
        f"per try, gave up after {note['retries']} retries"
    )


def load_json(response: TextResponse) -> Any:
    """The JSON body of an API response; ``PageParseError`` (naming the URL) if it is not JSON.

    An HTML page where JSON was expected is how a block page, a login wall or a moved
    API usually shows up, so the error says what came instead.
    """
    try:
        return json.loads(response.text)
    except ValueError as exc:
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or "no Content-Type"
        start = " ".join(response.text[:40].split())
        raise PageParseError(response.url, f"not JSON ({content_type}; starts {start!r}): {exc}") from None


def epoch_to_iso(value: Any) -> str | None:
    """Unix seconds (int, float or numeric string) as ISO 8601 UTC; None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def string_arg(name: str, argument: str, value: str | None, pattern: str, default: str | None = None) -> str:
    """A required (or defaulted) spider argument that must match ``pattern``; else refuse to start."""
    value = (value or default or "").strip()
    if not re.fullmatch(pattern, value):
        refuse_to_start(logger, f"{name}: spider argument {argument}={value!r} is missing or malformed")
    return value


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


def _load_seen_ids(name: str, path: str | None) -> dict[str, str | None]:
    """Ids from a ``seen_ids``/``stop_ids`` file, each with the digest of what the warehouse
    holds for it (``klantstem.review_state``; None where the line carries none)."""
    if not path:
        return {}
    if not Path(path).is_file():
        refuse_to_start(logger, f"{name}: seen_ids file not found: {path}")
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return dict(parsed for line in lines if (parsed := parse_seen_line(line)) is not None)


class ReviewSpider(scrapy.Spider):
    """Base for listing spiders whose pages are newest first.

    Arguments (all strings on the command line): ``url`` first listing page, ``brand``,
    ``source`` (stable key, default the spider name), ``max_pages`` (default as in
    monitor.toml), ``seen_ids`` (file of ids the warehouse already holds: dropped),
    ``stop_ids`` (file of ids stored by the last *complete* crawl; default ``seen_ids``),
    ``recheck_pages`` (default 1: pages read even when they hold only stored reviews, so that
    company replies and edits to recent reviews are seen; see ``klantstem.review_state``).
    Paging stops after the last page, after ``max_pages``, or after the first page holding a
    stop id (and at least ``recheck_pages`` read): everything older was stored by a crawl that got to its end. A seen id alone does
    not stop paging, because a crawl that failed halfway leaves seen ids above a gap. Spiders with ``brand_filter`` also take
    ``keywords`` and ``exclude`` (JSON array or comma-separated; default: the brand name).
    """

    #: True where the source has no ids of its own and the contract's hash stands in.
    id_fallback: ClassVar[bool] = False
    #: True for post sources: only texts mentioning the brand are kept (BrandMatchPipeline);
    #: set from the source type's kind (``__init_subclass__``).
    brand_filter: ClassVar[bool] = False
    #: Seconds between requests that the source asks for. A smaller ``DOWNLOAD_DELAY`` (the
    #: flow passes monitor.toml's) is raised to it, unless ``KLANTSTEM_SOURCE_RATE_LIMITS``
    #: is false (loopback fixtures in tests only).
    min_download_delay: ClassVar[float] = 0.0
    #: Pages per listing the source serves at all; a larger ``max_pages`` is lowered to it.
    page_limit: ClassVar[int | None] = None
    #: False where the source's texts are plain text: ``CleanTextPipeline`` then only tidies
    #: whitespace, so "5<10" or a typed "&amp;" survive (see ``clean_plain_text``).
    text_is_html: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A spider named after a source type filters by brand keywords when the type reads posts."""
        super().__init_subclass__(**kwargs)
        kind = SOURCE_TYPES.get(getattr(cls, "name", ""))
        if kind is not None and "brand_filter" not in cls.__dict__:
            cls.brand_filter = kind.keyword_based

    def __init__(
        self,
        url: str | None = None,
        brand: str | None = None,
        source: str | None = None,
        max_pages: str | int | None = None,
        seen_ids: str | None = None,
        stop_ids: str | None = None,
        recheck_pages: str | int | None = None,
        keywords: str | None = None,
        exclude: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.start_url = _parse_start_url(self.name, url)
        if not brand:
            refuse_to_start(logger, f"{self.name}: spider argument 'brand' is required (-a brand=...)")
        self.brand = brand
        self.source = source or self.name
        self.max_pages = _parse_max_pages(self.name, max_pages)
        if self.page_limit is not None and self.max_pages > self.page_limit:
            logger.info("%s: max_pages %d lowered to %d, the most the source serves", self.name, self.max_pages,
                        self.page_limit)
            self.max_pages = self.page_limit
        self.seen_ids = _load_seen_ids(self.name, seen_ids)
        self._stop_ids = None if stop_ids is None else _load_seen_ids(self.name, stop_ids)
        self.recheck_pages = 1
        if recheck_pages is not None:
            if not str(recheck_pages).strip().isdigit() or int(recheck_pages) < 1:
                refuse_to_start(logger, f"{self.name}: spider argument recheck_pages={recheck_pages!r} must be a whole number >= 1")
            self.recheck_pages = int(recheck_pages)
        #: Keys the fallback ids (spiders.pipelines.fallback_external_id); the pseudonymisation salt.
        self.id_salt = os.environ.get(SALT_ENV, "")
        #: Fallback ids of every review on the pages read so far (``PAGE_IDS_FILE_SETTING``).
        self.page_ids: set[str] = set()
        self.brand_matcher: BrandMatcher | None = None
        if self.brand_filter:
            try:
                self.brand_matcher = BrandMatcher(parse_list_arg(keywords) or [brand], parse_list_arg(exclude))
            except ValueError as exc:
                refuse_to_start(logger, f"{self.name}: spider arguments keywords/exclude: {exc}")

    @property
    def stop_ids(self) -> Mapping[str, str | None]:
        """Ids at which paging stops: those a complete crawl reached, else every seen id."""
        return self.seen_ids if self._stop_ids is None else self._stop_ids

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Apply ``custom_settings``, then raise ``DOWNLOAD_DELAY`` to ``min_download_delay``."""
        super().update_settings(settings)
        if cls.min_download_delay <= 0 or not settings.getbool(RATE_LIMITS_SETTING, True):
            return
        if settings.getfloat("DOWNLOAD_DELAY") < cls.min_download_delay:
            priority = max(settings.getpriority("DOWNLOAD_DELAY") or 0, SETTINGS_PRIORITIES["spider"])
            settings.set("DOWNLOAD_DELAY", cls.min_download_delay, priority=priority)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_spider_error, signal=signals.spider_error)
        crawler.signals.connect(spider._on_item_error, signal=signals.item_error)
        return spider

    async def start(self) -> AsyncIterator[Request]:
        yield self._page_request(self.start_url, page=1)

    def parse_page(self, response: TextResponse) -> PageResult:
        """Read one listing page; raise ``PageParseError`` when its review data is unreadable."""
        raise NotImplementedError

    def parse(
        self, response: Response, page: int = 1, listing: str | None = None
    ) -> Iterator[ReviewItem | Request]:
        """Yield the page's items, then the next page unless ``_next_page_request`` says stop."""
        self._count("pages_fetched")
        if not isinstance(response, TextResponse):
            raise PageParseError(response.url, f"not a text page ({response.headers.get('Content-Type')!r})")
        result = self.parse_page(response)
        if self.id_fallback:
            ids = (resolve_external_id(item, True, self.id_salt) for item in result.items)
            self.page_ids.update(i for i in ids if i)
        if result.total is not None and listing is None:
            self._stats.set_value(STATS_PREFIX + "total_available", result.total)
        yield from result.items
        yield from result.requests
        next_request = self._next_page_request(result, page, listing)
        if next_request is not None:
            yield next_request

    def request_headers(self, *, post: bool) -> dict[str, str]:
        """Extra headers for every listing request (auth, content type); none by default."""
        return {}

    def explain_http_error(self, response: Response) -> str | None:
        """What an error status means for this source, for the error line; None: no hint."""
        return None

    def closed(self, reason: str) -> None:
        """Write the ids read on the pages (setting ``KLANTSTEM_PAGE_IDS_FILE``) for the loader.
        (The stats file is the ``spiders.stats.CrawlStatsWriter`` extension's.)"""
        ids_path = self.settings.get(PAGE_IDS_FILE_SETTING)
        if ids_path and self.id_fallback:
            tmp = Path(ids_path).with_name(f".{Path(ids_path).name}.{os.getpid()}.tmp")
            tmp.write_text("".join(f"{i}\n" for i in sorted(self.page_ids)), encoding="utf-8")
            os.replace(tmp, ids_path)

    @property
    def _stats(self) -> StatsCollector:
        assert self.crawler.stats is not None  # set before the spider opens
        return self.crawler.stats

    def _count(self, key: str, by: int = 1) -> None:
        self._stats.inc_value(STATS_PREFIX + key, by)

    def _page_request(self, url: str, page: int, listing: str | None = None, body: str | None = None) -> Request:
        method = {"method": "POST", "body": body} if body is not None else {}
        return Request(
            url,
            callback=self.parse,
            errback=self._on_request_failed,
            cb_kwargs={"page": page, "listing": listing},
            headers=self.request_headers(post=body is not None) or None,
            **method,
        )

    def _next_page_request(self, result: PageResult, page: int, listing: str | None = None) -> Request | None:
        """The request for the following page, or None after recording why paging stops."""
        page_items = [*result.items, *result.pending]
        ids = (resolve_external_id(item, self.id_fallback, self.id_salt) for item in page_items)
        if any(i in self.stop_ids for i in ids) and page >= self.recheck_pages:
            stop_reason = "seen"
        elif result.next_url is None:
            stop_reason = result.stop_reason or "last_page"
        elif page >= self.max_pages:
            stop_reason = "max_pages"
            if self.stop_ids:
                # Reviews between this page and the last complete crawl's were not fetched.
                self._stats.set_value(STATS_PREFIX + "incomplete", True)
                self._record_warning(
                    f"{listing or self.start_url}: stopped at max_pages={self.max_pages} before reaching the reviews "
                    "of the last complete crawl; older new reviews may be missing (raise max_pages)"
                )
        else:
            return self._page_request(result.next_url, page + 1, listing, result.next_body)
        self._stats.set_value(STATS_PREFIX + "stop_reason", stop_reason)
        if listing is not None:
            self._stats.set_value(f"{STATS_PREFIX}stop_reasons/{listing}", stop_reason)
        self.logger.info("stopped paging %safter page %d: %s", f"{listing} " if listing else "", page, stop_reason)
        return None

    def describe_request_failure(self, failure: Failure) -> str:
        """``describe_failure`` plus, for HTTP errors, what the status means and what the server said."""
        line = describe_failure(failure)
        if not isinstance(failure.value, HttpError):
            return line
        response = failure.value.response
        said = server_message(response)
        notes = [rate_limit_note(response), self.explain_http_error(response), f"server says: {said}" if said else None]
        return ": ".join([line, *[note for note in notes if note]])

    def _on_request_failed(self, failure: Failure) -> None:
        """Errback: HTTP error status after retries, network failure, robots.txt refusal."""
        url = failure.request.url  # type: ignore[attr-defined]
        self._record_error(f"{url}: {self.describe_request_failure(failure)}")

    def _on_spider_error(self, failure: Failure, response: Response) -> None:
        """A callback raised: Scrapy logs the traceback, this records the one-line reason."""
        exc = failure.value
        if isinstance(exc, PageParseError):
            self._record_error(str(exc))
        else:
            self._record_error(f"{response.url}: {type(exc).__name__}: {exc}")

    def _on_item_error(self, item: Any, response: Response | None, spider: scrapy.Spider, failure: Failure) -> None:
        """A pipeline raised on one item: Scrapy logs it (the item without its author, see
        ``ReviewItem``) and moves on; this counts the row as ``dropped/unreadable`` so the
        summary still adds up, and keeps a one-line reason among the warnings."""
        self._count("dropped/unreadable")
        url = getattr(item, "url", None) or (response.url if response is not None else "?")
        exc = failure.value
        self._record_warning(f"{url}: a row could not be read and was dropped ({type(exc).__name__}: {exc})"[:300])

    def _record_error(self, line: str) -> None:
        self.logger.error("page failed: %s", line)
        self._count("pages_failed")
        errors = self._stats.get_value(STATS_PREFIX + "errors", [])
        self._stats.set_value(STATS_PREFIX + "errors", [*errors, line])

    def _record_warning(self, line: str) -> None:
        """A problem that cost detail but no data (e.g. an article read from its feed summary)."""
        self.logger.warning("%s", line)
        warnings = self._stats.get_value(STATS_PREFIX + "warnings", [])
        self._stats.set_value(STATS_PREFIX + "warnings", [*warnings, line])

    def _record_drift(self, line: str) -> None:
        """The page's format no longer fits the parser though data was read: the source is
        reported ``degraded`` (``spiders.drift``) instead of quietly losing fields."""
        self.logger.warning("format drift: %s", line)
        notes = self._stats.get_value(STATS_PREFIX + "drift", [])
        self._stats.set_value(STATS_PREFIX + "drift", [*notes, line])

    def _skip(self, reason: str) -> None:
        """The source cannot run here (e.g. no credentials): not an error, said in the stats file."""
        self.logger.warning("source skipped: %s", reason)
        self._stats.set_value(STATS_PREFIX + "skipped", reason)

    def _count_brand_check(self, text: str | None) -> bool:
        """Check ``text`` against the brand before fetching more (RSS articles); counts misses."""
        if self.brand_matcher is None:
            return True
        result = self.brand_matcher.check(text)
        if result.keyword is None:
            self._count("brand_filter/no_keyword")
        elif result.excluded_by is not None:
            self._count("brand_filter/excluded")
        return result.matched
