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

The JSON feed has been served without a per-entry ``updated`` (recorded in 2020; the XML
twin of the same page, ``.../xml``, has it). A page whose reviews lack their date is
therefore completed from its XML twin, matched by review id; reviews the twin cannot date
either are reported as format drift, never dropped in silence. An entry that is not the
app (no ``im:name``) but has no ``im:rating`` is a review whose rating key was renamed:
drift too, not app metadata. Texts are plain text (``text_is_html`` False).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, dig, load_json, string_arg
from spiders.items import ReviewItem

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
    """Everything but the app-metadata entry (``im:name``) is a review, rated or not."""
    return "im:name" not in entry


def xml_twin_url(json_url: str) -> str:
    """The same feed page as XML (``.../sortby=mostrecent/xml``), which dates every entry."""
    return json_url[: -len("/json")] + "/xml" if json_url.endswith("/json") else json_url


def xml_dates(xml: str) -> dict[str, str]:
    """Review id -> ``updated`` from the XML feed (Atom with Apple's ``im:`` extensions)."""
    selector = Selector(text=xml, type="xml")
    selector.remove_namespaces()
    dates = {}
    for entry in selector.xpath("//entry"):
        review_id = (entry.xpath("./id/text()").get() or "").strip()
        updated = (entry.xpath("./updated/text()").get() or "").strip()
        if review_id and updated:
            dates[review_id] = updated
    return dates


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
    text_is_html = False

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
        unrated = sum(1 for e in reviews if "im:rating" not in e)
        if unrated:
            self._record_drift(
                f"{response.url}: {unrated} of {len(reviews)} App Store reviews have no im:rating: "
                f"the feed format changed?"
            )
        page = int(response.cb_kwargs.get("page", 1))
        last = last_page(feed) or FEED_PAGES
        base = response.url.split(f"/{self.country}/rss/", 1)[0]
        more = bool(reviews) and page < min(last, FEED_PAGES)
        next_url = feed_url(base, self.country, self.app_id, page + 1) if more else None
        if not any(item.published_at is None for item in items):
            return PageResult(items, next_url)
        twin = Request(
            xml_twin_url(response.url),
            callback=self._dated_from_xml,
            errback=self._xml_twin_failed,
            cb_kwargs={"items": items, "json_url": response.url},
            dont_filter=True,
        )
        return PageResult([], next_url, requests=[twin], pending=items)

    def _dated_from_xml(self, response: Response, items: list[ReviewItem], json_url: str) -> Iterator[ReviewItem]:
        """Yield the JSON page's reviews, dated from its XML twin."""
        self._count("pages_fetched")
        dates = xml_dates(response.text) if isinstance(response, TextResponse) else {}
        yield from self._dated(items, dates, json_url, "")

    def _xml_twin_failed(self, failure: Failure) -> Iterator[ReviewItem]:
        kwargs = failure.request.cb_kwargs  # type: ignore[attr-defined]
        yield from self._dated(kwargs["items"], {}, kwargs["json_url"], f" ({self.describe_request_failure(failure)})")

    def _dated(self, items: list[ReviewItem], dates: dict[str, str], json_url: str, why: str) -> Iterator[ReviewItem]:
        undated = 0
        for item in items:
            if item.published_at is None:
                item.published_at = dates.get(str(item.external_id))
                undated += item.published_at is None
            yield item
        if undated:
            self._record_drift(
                f"{json_url}: {undated} of {len(items)} App Store reviews have no date in the JSON feed "
                f"nor in its XML twin{why}: the feed format changed?"
            )
