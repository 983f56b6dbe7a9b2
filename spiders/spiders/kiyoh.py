"""Kiyoh and Klantenvertellen public company review pages (same platform, two brands).

``url`` is the company page, e.g. ``https://www.kiyoh.com/reviews/1047385/snelkoop?lang=nl``
or ``https://www.klantenvertellen.nl/reviews/1039690/bestelhuis?lang=nl``; pages are
``&pageNumber=N`` (0-based, newest first), and ``&limit=`` sets the page size.

Ratings are a mark from 1 to 10 (``rating_min``/``rating_max`` = 1/10, normalised to
0..1), unless the page states another scale. The review data is read from the first of
these that the page has, so a change of layout degrades instead of breaking:

1. **Embedded review JSON** in any ``<script>`` (``application/json``, ``__NEXT_DATA__``
   style state, ...): objects with ``reviewId``, the shape of Kiyoh's review feed:
   ``rating``, ``dateSince``, ``reviewAuthor``, ``reviewLanguage``, ``companyResponse``
   and ``reviewContent[]`` of ``{questionGroup, rating}``, where ``DEFAULT_OVERALL`` is
   the mark, ``DEFAULT_ONELINER`` the headline and ``DEFAULT_OPINION`` the text.
2. **JSON-LD** ``Review`` nodes (as the ``jsonld`` spider reads them).
3. **Microdata** (``itemprop="review"`` / ``itemtype=".../Review"``) with ``ratingValue``,
   ``bestRating``, ``worstRating``, ``datePublished``, ``reviewBody``, ``author``.

4. **Review cards** of the public company page: ``.review`` containers with the date in
   ``.created-date[data-date]``, the mark in ``.rating-number`` (or a ``data-rating``
   attribute), the headline in ``.review-title``/``.oneliner`` and the text in
   ``.rating-description``/``.review-text`` (the selectors public scrapers of these pages
   use; no recorded page was available to verify them, see tests/fixtures/README.md).

A page with none of these is an error (changed markup), unless it says outright that
there are no reviews (an empty ``reviews`` list, or ``reviewCount`` 0), which is an empty
page. Reviews without an id get the contract's fallback hash.

**Own brand: the publication API.** With ``-a location_id=<digits>`` (and the token in
``KIYOH_API_TOKEN``, never in config) the spider reads the official JSON feed instead::

    GET {url}/v1/publication/review/external?locationId=..&tenantId=98&limit=..&orderBy=CREATE_DATE&sortOrder=DESC
        X-Publication-Api-Token: $KIYOH_API_TOKEN
    -> {"locationId", "locationName", "averageRating", "numberReviews", "percentageRecommendation",
        "reviews": [<the review shape above>, with the company's reply in "reviewComments"]}

``url`` is then the platform host (``https://www.kiyoh.com`` or
``https://www.klantenvertellen.nl``). The API does not page: it returns the newest
``limit`` reviews (``PUBLICATION_LIMIT``). Without the token the source is skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Request, Response, TextResponse
from w3lib.url import add_or_replace_parameter

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, dig, load_json, string_arg
from spiders.items import ReviewItem
from spiders.spiders.jsonld import author_name, find_reviews, json_ld_blocks

RATING_SCALE = (1, 10)
PAGE_PARAM = "pageNumber"
TOKEN_ENV = "KIYOH_API_TOKEN"
PUBLICATION_LIMIT = 500
DEFAULT_TENANT = "98"  # Kiyoh's tenant id in its documentation and plugins


@dataclass(frozen=True)
class KiyohPage:
    """What one page holds: raw reviews, the total the page states, and a rel=next link."""

    reviews: list[ReviewItem]
    total: int | None
    next_href: str | None


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON value, depth first."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _script_json(selector: Selector) -> list[Any]:
    """Parsed JSON of every script that holds JSON (skipping code and broken blocks)."""
    blocks = []
    for script in selector.xpath("//script[not(@src)]"):
        kind = (script.attrib.get("type") or "").lower()
        if kind == "application/ld+json" or (kind and "json" not in kind):
            continue
        raw = (script.xpath("text()").get() or "").strip()
        if raw.startswith(("{", "[")):
            try:
                blocks.append(json.loads(raw, strict=False))
            except json.JSONDecodeError:
                continue
    return blocks


def _question(review: dict[str, Any], group: str) -> Any:
    for part in review.get("reviewContent") or []:
        if isinstance(part, dict) and part.get("questionGroup") == group:
            return part.get("rating")
    return None


def feed_review_item(review: dict[str, Any], *, brand: str, source: str, listing_url: str) -> ReviewItem:
    """One review object of Kiyoh's feed shape as a raw item."""
    rating = review.get("rating")
    if rating is None:
        rating = _question(review, "DEFAULT_OVERALL")
    title, opinion = _question(review, "DEFAULT_ONELINER"), _question(review, "DEFAULT_OPINION")
    review_id = review.get("reviewId")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=str(review_id) if review_id else None,
        url=listing_url,
        published_at=review.get("dateSince") or review.get("updatedSince"),
        title=title if isinstance(title, str) else None,
        text=opinion if isinstance(opinion, str) and opinion.strip() else (title if isinstance(title, str) else None),
        rating=rating,
        rating_min=RATING_SCALE[0],
        rating_max=RATING_SCALE[1],
        language=review.get("reviewLanguage"),
        author=review.get("reviewAuthor"),
        reply=review.get("reviewComments") or review.get("companyResponse") or None,
    )


def _embedded(selector: Selector, *, brand: str, source: str, listing_url: str) -> KiyohPage | None:
    reviews: list[ReviewItem] = []
    total: int | None = None
    found_list = False
    for block in _script_json(selector):
        for node in _walk(block):
            if "reviewId" in node and ("reviewContent" in node or "rating" in node):
                reviews.append(feed_review_item(node, brand=brand, source=source, listing_url=listing_url))
            elif isinstance(node.get("reviews"), list):
                found_list = True
                count = node.get("numberReviews", node.get("totalReviews"))
                total = count if isinstance(count, int) else total
    if not reviews and not found_list:
        return None
    return KiyohPage(reviews, total, None)


def _json_ld(html: str, url: str, *, brand: str, source: str, listing_url: str) -> KiyohPage | None:
    nodes = [node for block in json_ld_blocks(html, url) for node in find_reviews(block)]
    if not nodes:
        return None
    items = []
    for node in nodes:
        items.append(
            ReviewItem(
                source=source,
                brand=brand,
                external_id=None,
                url=listing_url,
                published_at=node.get("datePublished"),
                title=node.get("name") or node.get("headline"),
                text=node.get("reviewBody") or node.get("description"),
                rating=dig(node, "reviewRating", "ratingValue"),
                rating_min=dig(node, "reviewRating", "worstRating") or RATING_SCALE[0],
                rating_max=dig(node, "reviewRating", "bestRating") or RATING_SCALE[1],
                language=node.get("inLanguage") if isinstance(node.get("inLanguage"), str) else None,
                author=author_name(node.get("author")),
            )
        )
    return KiyohPage(items, None, None)


def _card_text(card: Selector, css: str) -> str | None:
    """The text of the first of the comma-separated selectors that the card has."""
    for part in css.split(","):
        text = " ".join(t.strip() for t in card.css(f"{part.strip()} ::text").getall() if t.strip())
        if text:
            return text
    return None


def _cards(selector: Selector, *, brand: str, source: str, listing_url: str) -> KiyohPage | None:
    """The company page's review cards (``.review`` with ``.created-date[data-date]``)."""
    cards = [card for card in selector.css(".review") if card.css(".created-date")]
    if not cards:
        return None
    items = []
    for card in cards:
        rating = card.attrib.get("data-rating") or _card_text(card, ".rating-number")
        items.append(
            ReviewItem(
                source=source,
                brand=brand,
                external_id=card.attrib.get("data-review-id") or None,
                url=listing_url,
                published_at=card.css(".created-date::attr(data-date)").get(),
                title=_card_text(card, ".review-title, .oneliner"),
                text=_card_text(card, ".rating-description, .review-text"),
                rating=rating,
                rating_min=RATING_SCALE[0],
                rating_max=RATING_SCALE[1],
                author=_card_text(card, ".reviewer-name, .review-author"),
                reply=_card_text(card, ".company-response, .review-reply"),
            )
        )
    return KiyohPage(items, None, None)


def publication_url(base: str, location_id: str, tenant_id: str, limit: int = PUBLICATION_LIMIT) -> str:
    query = {"locationId": location_id, "tenantId": tenant_id, "limit": limit, "orderBy": "CREATE_DATE",
             "sortOrder": "DESC"}
    return f"{base.rstrip('/')}/v1/publication/review/external?" + "&".join(f"{k}={v}" for k, v in query.items())


def publication_reviews(data: Any, url: str) -> list[dict[str, Any]]:
    """The feed's reviews; ``PageParseError`` when the answer has no ``reviews`` list."""
    reviews = dig(data, "reviews")
    if not isinstance(reviews, list):
        raise PageParseError(url, "Kiyoh publication API answer has no 'reviews' list")
    return [r for r in reviews if isinstance(r, dict)]


def _prop(scope: Selector, name: str) -> str | None:
    """A microdata property inside ``scope``: its ``content``/``datetime`` attribute, else its text."""
    node = scope.css(f'[itemprop~="{name}"]')
    if not node:
        return None
    first = node[0]
    value = first.attrib.get("content") or first.attrib.get("datetime")
    if value is None:
        value = " ".join(t.strip() for t in first.xpath(".//text()").getall() if t.strip())
    return value or None


def _microdata(selector: Selector, *, brand: str, source: str, listing_url: str) -> KiyohPage | None:
    blocks = selector.css('[itemprop~="review"], [itemtype$="schema.org/Review"]')
    count = selector.css('[itemprop~="reviewCount"]')
    if not blocks:
        if count and (_prop(selector, "reviewCount") or "").strip() == "0":
            return KiyohPage([], 0, None)
        return None
    items = []
    for block in blocks:
        author = block.css('[itemprop~="author"]')
        items.append(
            ReviewItem(
                source=source,
                brand=brand,
                external_id=block.attrib.get("data-review-id") or None,
                url=listing_url,
                published_at=_prop(block, "datePublished"),
                title=_headline(block),
                text=_prop(block, "reviewBody") or _prop(block, "description"),
                rating=_prop(block, "ratingValue"),
                rating_min=_prop(block, "worstRating") or RATING_SCALE[0],
                rating_max=_prop(block, "bestRating") or RATING_SCALE[1],
                language=_prop(block, "inLanguage"),
                author=(_prop(author[0], "name") or _own_text(author[0])) if author else None,
            )
        )
    total = _prop(selector, "reviewCount")
    return KiyohPage(items, int(total) if total and total.isdigit() else None, None)


def _own_text(node: Selector) -> str | None:
    return (
        node.attrib.get("content") or " ".join(t.strip() for t in node.xpath(".//text()").getall() if t.strip()) or None
    )


def _headline(block: Selector) -> str | None:
    """``name`` of the review itself, not of its author or the reviewed company."""
    for node in block.css('[itemprop~="name"]'):
        if not node.xpath('ancestor::*[@itemprop="author" or @itemprop="itemReviewed"]'):
            return _own_text(node)
    return _prop(block, "headline")


def extract_page(html: str, url: str, *, brand: str, source: str, listing_url: str) -> KiyohPage:
    """The page's reviews by the first strategy that finds data; ``PageParseError`` if none does."""
    selector = Selector(text=html)
    found = (
        _embedded(selector, brand=brand, source=source, listing_url=listing_url)
        or _json_ld(html, url, brand=brand, source=source, listing_url=listing_url)
        or _microdata(selector, brand=brand, source=source, listing_url=listing_url)
        or _cards(selector, brand=brand, source=source, listing_url=listing_url)
    )
    if found is None:
        raise PageParseError(
            url, "no Kiyoh review data (embedded JSON, JSON-LD, microdata or review cards): markup changed?"
        )
    href = selector.css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').get()
    return KiyohPage(found.reviews, found.total, urljoin(url, href.strip()) if href else None)


def page_number(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get(PAGE_PARAM, ["0"])
    return int(values[0]) if values[0].isdigit() else 0


def next_page_url(page: KiyohPage, url: str, page_size: int | None = None) -> str | None:
    """``rel=next`` if the page has one; else ``pageNumber+1`` unless this page is empty, shorter
    than a full page (``page_size``: the ``limit`` parameter or the first page's length) or
    reaches the total the page states."""
    if page.next_href:
        return page.next_href
    if not page.reviews:
        return None
    size = page_size or len(page.reviews)
    if len(page.reviews) < size:
        return None
    current = page_number(url)
    if page.total is not None and current * size + len(page.reviews) >= page.total:
        return None
    return add_or_replace_parameter(url, PAGE_PARAM, str(current + 1))


def limit_param(url: str) -> int | None:
    values = parse_qs(urlsplit(url).query).get("limit", [""])
    return int(values[0]) if values[0].isdigit() and int(values[0]) > 0 else None


class KiyohSpider(ReviewSpider):
    """Kiyoh / Klantenvertellen company pages (``url`` = the company's review page)."""

    name = "kiyoh"
    id_fallback = True

    def __init__(
        self, *args: Any, location_id: str | None = None, tenant_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.page_size = limit_param(self.start_url)
        self.location_id = string_arg(self.name, "location_id", location_id, r"[0-9]+") if location_id else None
        if self.location_id:
            tenant = string_arg(self.name, "tenant_id", tenant_id, r"[0-9]+", default=DEFAULT_TENANT)
            self.start_url = publication_url(self.start_url, self.location_id, tenant)
        self.token: str | None = None

    async def start(self) -> AsyncIterator[Request]:
        if self.location_id:
            self.token = os.environ.get(TOKEN_ENV, "").strip() or None
            if not self.token:
                self._skip(f"the Kiyoh publication API needs {TOKEN_ENV} in the environment to crawl this source")
                return
        yield self._page_request(self.start_url, page=1)

    def request_headers(self, *, post: bool) -> dict[str, str]:
        return {"X-Publication-Api-Token": self.token, "Accept": "application/json"} if self.token else {}

    def explain_http_error(self, response: Response) -> str | None:
        if self.location_id and response.status in (401, 403):
            return f"token refused: check {TOKEN_ENV} and location_id"
        return None

    def parse_page(self, response: TextResponse) -> PageResult:
        if self.location_id:
            reviews = publication_reviews(load_json(response), response.url)
            items = [
                feed_review_item(r, brand=self.brand, source=self.source, listing_url=response.url.split("?")[0])
                for r in reviews
            ]
            return PageResult(items, None)
        page = extract_page(
            response.text, response.url, brand=self.brand, source=self.source, listing_url=self.start_url
        )
        if self.page_size is None and page.reviews:
            self.page_size = len(page.reviews)  # the first page is a full one
        return PageResult(page.reviews, next_page_url(page, response.url, self.page_size))
