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

A page with none of these is an error (changed markup), unless it says outright that
there are no reviews (an empty ``reviews`` list, or ``reviewCount`` 0), which is an empty
page. Reviews without an id get the contract's fallback hash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from scrapy.http import TextResponse
from w3lib.url import add_or_replace_parameter

from spiders import PageParseError
from spiders.items import ReviewItem
from spiders.spiders import PageResult, ReviewSpider, dig
from spiders.spiders.jsonld import author_name, find_reviews, json_ld_blocks

RATING_SCALE = (1, 10)
PAGE_PARAM = "pageNumber"


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
        reply=review.get("companyResponse") or None,
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
    )
    if found is None:
        raise PageParseError(url, "no Kiyoh review data (embedded JSON, JSON-LD or microdata): markup changed?")
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page_size = limit_param(self.start_url)

    def parse_page(self, response: TextResponse) -> PageResult:
        page = extract_page(
            response.text, response.url, brand=self.brand, source=self.source, listing_url=self.start_url
        )
        if self.page_size is None and page.reviews:
            self.page_size = len(page.reviews)  # the first page is a full one
        return PageResult(page.reviews, next_page_url(page, response.url, self.page_size))
