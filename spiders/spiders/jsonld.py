"""Any page that marks up its reviews as schema.org JSON-LD.

Shops, comparison sites and review widgets publish reviews this way for search engines,
so one spider covers many sites. Reviews are found as

* a top-level ``Review`` (or a list of them),
* ``Review`` nodes in an ``@graph``,
* the ``review`` (or older ``reviews``) property of any node, typically ``Product``,
  ``Organization`` or ``LocalBusiness``; entries there may omit ``@type``.

Pagination follows ``rel="next"`` (``<link>`` or ``<a>``). Reviews rarely have ids here,
so the contract's fallback hash stands in; it is built from the listing's first URL, not
the page URL, because a review moves to later pages as new ones arrive.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import urljoin, urlparse

from parsel import Selector
from scrapy.http import TextResponse

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, dig
from spiders.items import ReviewItem

logger = logging.getLogger(__name__)

REVIEW_PROPERTIES = ("review", "reviews")


def schema_types(node: dict[str, Any]) -> set[str]:
    """``@type`` as bare names: ``"schema:Review"`` and ``"https://schema.org/Review"`` -> ``Review``."""
    raw = node.get("@type", [])
    names = raw if isinstance(raw, list) else [raw]
    return {str(name).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for name in names}


def json_ld_blocks(html: str, url: str) -> list[Any]:
    """Parsed ``application/ld+json`` scripts; a broken one is logged and skipped.

    ``strict=False`` accepts raw newlines inside strings, which real sites often emit.
    """
    blocks = []
    for raw in Selector(text=html).xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            blocks.append(json.loads(raw, strict=False))
        except json.JSONDecodeError as exc:
            logger.warning("skipping invalid JSON-LD block at %s: %s", url, exc)
    return blocks


def _objects(value: Any) -> list[dict[str, Any]]:
    """JSON-LD allows one object where a list is meant; both become a list of objects."""
    return [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]


def find_reviews(block: Any) -> Iterator[dict[str, Any]]:
    """Review nodes in one JSON-LD block, in page order.

    Anything under a ``review`` property counts, typed or not: the property already says
    what it holds, and sites often leave ``@type`` out there.
    """
    for top in _objects(block):
        for node in [top, *_objects(top.get("@graph"))]:
            if "Review" in schema_types(node):
                yield node
            else:
                for prop in REVIEW_PROPERTIES:
                    yield from _objects(node.get(prop))


def extract_reviews(html: str, url: str) -> list[dict[str, Any]]:
    """All Review nodes on a page; ``PageParseError`` naming ``url`` when there are none.

    A configured JSON-LD source without reviews is a wrong URL or changed markup, which
    the run summary should show rather than a quiet brand.
    """
    blocks = json_ld_blocks(html, url)
    reviews = [review for block in blocks for review in find_reviews(block)]
    if not reviews:
        raise PageParseError(url, f"no schema.org Review in {len(blocks)} readable JSON-LD block(s)")
    return reviews


def next_page_url(html: str, url: str) -> str | None:
    """The absolute ``rel="next"`` link, if the page has one."""
    href = Selector(text=html).css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').get()
    return urljoin(url, href.strip()) if href else None


def author_name(author: Any) -> str | None:
    """``author`` may be a string, a Person/Organization object, or a list of either."""
    if isinstance(author, list):
        author = author[0] if author else None
    if isinstance(author, dict):
        author = author.get("name")
    return author if isinstance(author, str) else None


def _absolute_url(value: Any) -> str | None:
    """Only absolute URLs identify a review; ``#review-1`` repeats on every page."""
    return value if isinstance(value, str) and urlparse(value).scheme in ("http", "https") else None


class OwnerReply(NamedTuple):
    text: str | None
    published: str | None
    person: str | None


def owner_reply(node: dict[str, Any]) -> OwnerReply:
    """The company's answer among the review's schema.org ``comment``s: schema.org has no
    owner-response property, so pages that publish one use ``comment`` (a ``Comment`` with
    ``text`` and ``dateCreated``/``datePublished``) whose ``author`` is an ``Organization``,
    or a ``Person`` who ``worksFor`` one (their name is pseudonymised like authors).
    Comments by other people are not replies of the company."""
    for comment in _objects(node.get("comment")):
        author = comment.get("author")
        author = author[0] if isinstance(author, list) and author else author
        if not isinstance(author, dict):
            continue
        types = schema_types(author)
        person = author_name(author) if "Person" in types and author.get("worksFor") else None
        if "Organization" not in types and person is None:
            continue
        text = comment.get("text")
        published = comment.get("dateCreated") or comment.get("datePublished")
        return OwnerReply(text if isinstance(text, str) else None, published if isinstance(published, str) else None,
                          person)
    return OwnerReply(None, None, None)


def review_item(node: dict[str, Any], *, brand: str, source: str, listing_url: str) -> ReviewItem:
    """One raw item from one schema.org Review node."""
    language = node.get("inLanguage")
    reply = owner_reply(node)
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=_absolute_url(node.get("@id")),
        url=_absolute_url(node.get("url")) or listing_url,
        published_at=node.get("datePublished"),
        title=node.get("name") or node.get("headline"),
        text=node.get("reviewBody") or node.get("description"),
        rating=dig(node, "reviewRating", "ratingValue"),
        rating_min=dig(node, "reviewRating", "worstRating"),
        rating_max=dig(node, "reviewRating", "bestRating"),
        language=language if isinstance(language, str) else None,
        author=author_name(node.get("author")),
        reply=reply.text,
        reply_at=reply.published,
        reply_author=reply.person,
    )


class JsonLdSpider(ReviewSpider):
    """Pages with schema.org ``Review`` JSON-LD, following ``rel="next"``."""

    name = "jsonld"
    id_fallback = True

    def parse_page(self, response: TextResponse) -> PageResult:
        items = [
            review_item(node, brand=self.brand, source=self.source, listing_url=self.start_url)
            for node in extract_reviews(response.text, response.url)
        ]
        return PageResult(items, next_page_url(response.text, response.url))
