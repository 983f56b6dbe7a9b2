"""Reddit posts and comments in chosen subreddits, kept when they mention the brand.

Reads the public JSON listings (no OAuth), newest first, two per subreddit::

    {url}/r/{subreddit}/new.json?limit=100&raw_json=1         posts    (kind t3)
    {url}/r/{subreddit}/comments.json?limit=100&raw_json=1    comments (kind t1)

Shape: ``{"kind": "Listing", "data": {"after": "t3_abc" | null, "children": [{"kind": "t3",
"data": {...}}]}}``. Posts: ``name`` (fullname, the id), ``title``, ``selftext``,
``author``, ``created_utc``, ``permalink``; comments: ``name``, ``body``, ``link_title``,
``author``, ``created_utc``, ``permalink``. ``raw_json=1`` turns off Reddit's legacy
HTML-escaping of ``&``, ``<`` and ``>`` in texts. The next page is ``&after=<after>``.

Unauthenticated clients get about 10 requests per minute, so requests are 6 s apart
(``min_download_delay``) whatever ``DOWNLOAD_DELAY`` says, and 429s wait for
``Retry-After`` (``spiders.middlewares``). ``max_pages`` applies per listing: a daily
run with the default 50 reads at most 2 x 50 pages per subreddit. Listings only reach
back about 1,000 items; a busy subreddit crawled rarely loses the oldest.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urljoin

from scrapy.http import Request, Response, TextResponse
from w3lib.url import add_or_replace_parameter

from spiders import PageParseError, refuse_to_start
from spiders.base import PageResult, ReviewSpider, dig, epoch_to_iso, load_json
from spiders.brands import parse_list_arg
from spiders.items import ReviewItem

logger = logging.getLogger(__name__)

LISTINGS = {"new": "post", "comments": "comment"}  # listing path -> item kind
PAGE_SIZE = 100
REMOVED = {"[removed]", "[deleted]"}
_REASONS = {
    "private": "the subreddit is private",
    "quarantined": "the subreddit is quarantined (needs a logged-in opt-in)",
    "banned": "the subreddit is banned",
    "gold_only": "the subreddit is for premium members only",
}


def listing_url(base: str, subreddit: str, listing: str, after: str | None = None) -> str:
    url = f"{base.rstrip('/')}/r/{subreddit}/{listing}.json?limit={PAGE_SIZE}&raw_json=1"
    return add_or_replace_parameter(url, "after", after) if after else url


def parse_listing(data: Any, url: str) -> tuple[list[dict[str, Any]], str | None]:
    """``(children's data, after)``; ``PageParseError`` when it is not a Listing."""
    if dig(data, "kind") != "Listing" or not isinstance(dig(data, "data", "children"), list):
        raise PageParseError(url, "not a Reddit Listing (no data.children)")
    children = [dig(child, "data") for child in data["data"]["children"]]
    after = dig(data, "data", "after")
    return [c for c in children if isinstance(c, dict)], after if isinstance(after, str) and after else None


def _text(value: Any) -> str | None:
    return None if not isinstance(value, str) or value.strip() in REMOVED else value


def removed(thing: dict[str, Any]) -> bool:
    """A post or comment whose text moderators removed or its author deleted."""
    return any(str(thing.get(key, "")).strip() in REMOVED for key in ("body", "selftext", "author"))


def thing_item(thing: dict[str, Any], *, brand: str, source: str, base: str) -> ReviewItem:
    """One post (t3) or comment (t1) as a raw item; a link post without text keeps its title."""
    is_comment = str(thing.get("name", "")).startswith("t1_") or "body" in thing
    permalink = thing.get("permalink")
    title = None if is_comment else _text(thing.get("title"))
    if is_comment:
        text = _text(thing.get("body"))
    elif str(thing.get("selftext", "")).strip() in REMOVED:
        text = None  # removed by moderators or deleted: nothing left to read
    else:
        text = thing.get("selftext") or title
    author = thing.get("author")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=thing.get("name") or None,
        url=urljoin(base, permalink) if isinstance(permalink, str) else base,
        kind="comment" if is_comment else "post",
        published_at=epoch_to_iso(thing.get("created_utc")),
        title=title,
        text=text,
        author=None if author in REMOVED else author,
    )


class RedditSpider(ReviewSpider):
    """New posts and comments of ``-a subreddits=thenetherlands,nederlands`` mentioning the brand."""

    name = "reddit"
    text_is_html = False  # raw_json=1: texts as typed, no HTML escaping
    min_download_delay = 6.0  # ~10 requests/min: Reddit's limit for clients without OAuth

    def __init__(self, *args: Any, subreddits: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subreddits = parse_list_arg(subreddits)
        if not self.subreddits:
            refuse_to_start(logger, f"{self.name}: spider argument 'subreddits' is required")
        self.base_url = self.start_url.rstrip("/")

    async def start(self) -> AsyncIterator[Request]:
        for subreddit in self.subreddits:
            for listing in LISTINGS:
                yield self._page_request(
                    listing_url(self.base_url, subreddit, listing), page=1, listing=f"r/{subreddit} {listing}"
                )

    def parse_page(self, response: TextResponse) -> PageResult:
        things, after = parse_listing(load_json(response), response.url)
        items = []
        for thing in things:
            item = thing_item(thing, brand=self.brand, source=self.source, base=self.base_url + "/")
            if item.text is None and removed(thing):
                self._count("dropped/removed")  # moderated or deleted: not a format change
                continue
            items.append(item)
        next_url = add_or_replace_parameter(response.url, "after", after) if after and things else None
        return PageResult(items, next_url)

    def explain_http_error(self, response: Response) -> str | None:
        reason = None
        if isinstance(response, TextResponse):
            try:
                reason = dig(load_json(response), "reason")
            except PageParseError:
                reason = None
        if isinstance(reason, str) and reason in _REASONS:
            return _REASONS[reason]
        if response.status == 403:
            return "forbidden: a private subreddit, or Reddit blocking this client (check USER_AGENT)"
        if response.status == 404:
            return "no such subreddit"
        return None
