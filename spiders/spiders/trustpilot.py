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
from spiders.items import ReviewItem
from spiders.spiders import PageResult, ReviewSpider, dig

RATING_SCALE = (1, 5)


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
        provenance=origin.provenance,
        verification=origin.verification,
        provenance_raw=origin.raw,
    )


class TrustpilotSpider(ReviewSpider):
    """Company review pages with Next.js ``__NEXT_DATA__`` (Trustpilot and look-alikes)."""

    name = "trustpilot"

    def parse_page(self, response: TextResponse) -> PageResult:
        page_props = parse_next_data(response.text, response.url)
        items = [
            review_item(review, brand=self.brand, source=self.source, page_url=response.url)
            for review in page_props["reviews"]
        ]
        total = page_props["filters"]["pagination"].get("totalCount")
        return PageResult(items, next_page_url(page_props, response.url),
                          total=total if isinstance(total, int) and not isinstance(total, bool) else None)
