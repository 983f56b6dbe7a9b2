"""App Store customer reviews: Apple's public RSS feed, JSON flavour, per app and country.

``url`` is the feed host (``https://itunes.apple.com``); ``app_id`` (the digits of
``apps.apple.com/nl/app/.../id<digits>``) and ``country`` (default ``nl``) pick the feed::

    {url}/{cc}/rss/customerreviews/page={N}/id={app_id}/sortby=mostrecent/json

Shape (every value wrapped in ``{"label": ...}``)::

    feed.entry[]: author.name.label, updated.label (ISO with offset), im:rating.label ("1".."5"),
                  im:version.label, id.label (review id), title.label, content.label,
                  link.attributes.href, im:voteSum / im:voteCount
    feed.link[]:  attributes.rel in {alternate, self, first, last, previous, next}

The first entry of page 1 is often the app itself (``im:name``, ``im:image``, no rating):
skipped. ``entry`` is missing on an empty page and a single object, not a list, when the
page holds one entry. Apple serves at most 10 pages of 50 reviews, newest first, so
``max_pages`` is capped at 10. The feed states no language: a country store can hold
reviews in several (Belgium: Dutch and French), so ``language`` is left to detection.
"""

from __future__ import annotations

import re
from typing import Any

from scrapy.http import TextResponse

from spiders import PageParseError
from spiders.items import ReviewItem
from spiders.spiders import PageResult, ReviewSpider, dig, load_json, string_arg

FEED_PAGES = 10
RATING_SCALE = (1, 5)
APP_PAGE = "https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews"
_PAGE_IN_URL = re.compile(r"/page=(\d+)/")


def feed_url(base: str, country: str, app_id: str, page: int) -> str:
    return f"{base.rstrip('/')}/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"


def parse_feed(data: Any, url: str) -> dict[str, Any]:
    """The ``feed`` object; ``PageParseError`` when the JSON has none (changed format)."""
    feed = dig(data, "feed")
    if not isinstance(feed, dict):
        raise PageParseError(url, "App Store JSON has no 'feed' object")
    return feed


def entries(feed: dict[str, Any]) -> list[dict[str, Any]]:
    """``feed.entry`` as a list: absent on an empty page, one object when there is one entry."""
    raw = feed.get("entry")
    if raw is None:
        return []
    return [e for e in (raw if isinstance(raw, list) else [raw]) if isinstance(e, dict)]


def is_review(entry: dict[str, Any]) -> bool:
    """Reviews carry a rating; the app-metadata entry carries ``im:name`` instead."""
    return "im:rating" in entry and "im:name" not in entry


def last_page(feed: dict[str, Any]) -> int | None:
    """The page number in the ``rel="last"`` link, when the feed gives one."""
    links = feed.get("link")
    for link in links if isinstance(links, list) else [links]:
        if dig(link, "attributes", "rel") == "last":
            match = _PAGE_IN_URL.search(str(dig(link, "attributes", "href") or ""))
            return int(match.group(1)) if match else None
    return None


def review_item(entry: dict[str, Any], *, brand: str, source: str, country: str, app_id: str) -> ReviewItem:
    review_id = dig(entry, "id", "label")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=str(review_id) if review_id else None,
        url=APP_PAGE.format(country=country, app_id=app_id),
        published_at=dig(entry, "updated", "label"),
        title=dig(entry, "title", "label"),
        text=dig(entry, "content", "label"),
        rating=dig(entry, "im:rating", "label"),
        rating_min=RATING_SCALE[0],
        rating_max=RATING_SCALE[1],
        author=dig(entry, "author", "name", "label"),
    )


class AppStoreSpider(ReviewSpider):
    """Customer reviews of one app in one country's App Store (``-a app_id=... -a country=nl``)."""

    name = "appstore"
    page_limit = FEED_PAGES

    def __init__(self, *args: Any, app_id: str | None = None, country: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app_id = string_arg(self.name, "app_id", app_id, r"[0-9]+")
        self.country = string_arg(self.name, "country", country, r"[a-z]{2}", default="nl")
        self.start_url = feed_url(self.start_url, self.country, self.app_id, 1)

    def parse_page(self, response: TextResponse) -> PageResult:
        feed = parse_feed(load_json(response), response.url)
        reviews = [e for e in entries(feed) if is_review(e)]
        items = [
            review_item(e, brand=self.brand, source=self.source, country=self.country, app_id=self.app_id)
            for e in reviews
        ]
        page = int(response.cb_kwargs.get("page", 1))
        last = last_page(feed) or FEED_PAGES
        base = response.url.split(f"/{self.country}/rss/", 1)[0]
        more = bool(reviews) and page < min(last, FEED_PAGES)
        return PageResult(items, feed_url(base, self.country, self.app_id, page + 1) if more else None)
