"""Trustpilot-style company pages: ``https://<host>/review/<domain>?page=N``.

Trustpilot is a Next.js site: the server-rendered page carries the data the browser
would otherwise fetch, as JSON in ``<script id="__NEXT_DATA__" type="application/json">``.
Reading that JSON is far more stable than scraping the review cards' generated CSS
class names. Shape used (``props.pageProps``)::

    reviews[]: id, rating (1-5), title, text, language, dates.publishedDate,
               consumer.displayName, reply {message, publishedDate} | null,
               labels.verification {isVerified, verificationLevel, verificationSource,
                                    reviewSourceName: Organic | BusinessGeneratedLink | ...}
    filters.pagination: currentPage, totalPages (also perPage, totalCount)

A page without that JSON is an error, never an empty page: Trustpilot changing its
markup must turn the source red in the run summary, not make the brand look quiet.

The listing is read newest first (``sort=recency`` is added when the URL has no ``sort``).
Anonymous visitors get 10 pages: beyond that Trustpilot asks to log in. The spider stops
after page ``LOGIN_WALL_PAGE`` with a warning that says how far the backfill reached
("stopped at page 10: Trustpilot asks to log in beyond it"), which is no failure: daily
runs only need the newest pages, and a first backfill is bounded, not broken. A login
page met earlier (no ``__NEXT_DATA__`` but a login form) is reported the same way.
Texts are plain text (paragraphs split by newlines), so nothing is stripped from them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import TextResponse
from w3lib.url import add_or_replace_parameter

from klantstem.provenance import trustpilot_provenance
from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, dig
from spiders.items import ReviewItem

RATING_SCALE = (1, 5)
LOGIN_WALL_PAGE = 10
#: Scrapy setting overriding it (``[crawl] trustpilot_login_wall_page``; 0: the site has no wall).
LOGIN_WALL_SETTING = "KLANTSTEM_TRUSTPILOT_LOGIN_WALL_PAGE"
_LOGIN_PAGE_MARKERS = ("/users/connect", "login-form", 'name="password"')


def parse_next_data(html: str, url: str) -> dict[str, Any]:
    """The ``props.pageProps`` object of a page; ``PageParseError`` naming ``url`` if absent.

    Requires ``reviews`` (a list) and ``filters.pagination`` so that every later step can
    rely on them.
    """
    raw = Selector(text=html).css("script#__NEXT_DATA__::text").get()
    if raw is None:
        raise PageParseError(url, "no <script id='__NEXT_DATA__'> on the page")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PageParseError(url, f"__NEXT_DATA__ is not valid JSON ({exc.msg}, char {exc.pos})") from None
    page_props = dig(data, "props", "pageProps")
    if not isinstance(dig(page_props, "reviews"), list):
        raise PageParseError(url, "__NEXT_DATA__ has no props.pageProps.reviews list")
    if not isinstance(dig(page_props, "filters", "pagination"), dict):
        raise PageParseError(url, "__NEXT_DATA__ has no props.pageProps.filters.pagination")
    return page_props  # type: ignore[no-any-return]


def next_page_url(page_props: dict[str, Any], url: str) -> str | None:
    """``url`` with ``page=currentPage+1``, or None on the last page."""
    pagination = page_props["filters"]["pagination"]
    current, total = pagination.get("currentPage"), pagination.get("totalPages")
    if not isinstance(current, int) or not isinstance(total, int) or current >= total:
        return None
    return add_or_replace_parameter(url, "page", str(current + 1))


def review_item(review: Any, *, brand: str, source: str, page_url: str) -> ReviewItem:
    """One raw item from one entry of ``pageProps.reviews`` (permalink ``/reviews/<id>``)."""
    review_id = dig(review, "id")
    origin = trustpilot_provenance(dig(review, "labels"))
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=str(review_id) if review_id else None,
        url=urljoin(page_url, f"/reviews/{review_id}") if review_id else page_url,
        published_at=dig(review, "dates", "publishedDate"),
        title=dig(review, "title"),
        text=dig(review, "text"),
        rating=dig(review, "rating"),
        rating_min=RATING_SCALE[0],
        rating_max=RATING_SCALE[1],
        language=dig(review, "language"),
        author=dig(review, "consumer", "displayName"),
        reply=dig(review, "reply", "message"),
        reply_at=dig(review, "reply", "publishedDate"),  # first published; updatedDate is a later edit
        provenance=origin.provenance,
        verification=origin.verification,
        provenance_raw=origin.raw,
    )


def newest_first(url: str) -> str:
    """The listing URL sorted by recency, unless it already names a sort order."""
    return url if "sort=" in url else add_or_replace_parameter(url, "sort", "recency")


def login_wall(html: str) -> bool:
    """A login page instead of the review page (no review data, a login form)."""
    return "__NEXT_DATA__" not in html and any(marker in html for marker in _LOGIN_PAGE_MARKERS)


class TrustpilotSpider(ReviewSpider):
    """Company review pages with Next.js ``__NEXT_DATA__`` (Trustpilot and look-alikes)."""

    name = "trustpilot"
    text_is_html = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_url = newest_first(self.start_url)

    def parse_page(self, response: TextResponse) -> PageResult:
        page = int(response.cb_kwargs.get("page", 1)) if response.request is not None else 1
        if page > 1 and login_wall(response.text):
            self._stop_at_login_wall(page - 1, None)
            return PageResult([], None, stop_reason="login_wall")
        page_props = parse_next_data(response.text, response.url)
        items = [
            review_item(review, brand=self.brand, source=self.source, page_url=response.url)
            for review in page_props["reviews"]
        ]
        next_url = next_page_url(page_props, response.url)
        count = dig(page_props, "filters", "pagination", "totalCount")
        total = count if isinstance(count, int) and not isinstance(count, bool) else None
        wall = self.login_wall_page
        if next_url is not None and 0 < wall <= page and self.max_pages > wall:
            pages = dig(page_props, "filters", "pagination", "totalPages")
            self._stop_at_login_wall(page, pages if isinstance(pages, int) else None)
            return PageResult(items, None, stop_reason="login_wall", total=total)
        return PageResult(items, next_url, total=total)

    @property
    def login_wall_page(self) -> int:
        """The page beyond which a backfill stops (0: never); a spider made without a crawler
        (the parsing tests) has no settings and gets the real site's."""
        settings = getattr(self, "settings", None)
        return settings.getint(LOGIN_WALL_SETTING, LOGIN_WALL_PAGE) if settings is not None else LOGIN_WALL_PAGE

    def _stop_at_login_wall(self, page: int, total_pages: int | None) -> None:
        of = f" of {total_pages}" if total_pages else ""
        self._record_warning(
            f"{self.start_url}: stopped at page {page}{of}: Trustpilot asks to log in beyond it "
            f"(older reviews are not read)"
        )
