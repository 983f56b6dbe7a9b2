"""Mastodon: hashtag timelines and post search on one instance, kept when they mention the brand.

``url`` is the instance (``https://mastodon.social``); listings, newest first::

    {url}/api/v1/timelines/tag/{hashtag}?limit=40        public; most instances allow it without login
    {url}/api/v2/search?q={query}&type=statuses&limit=40 full-text search of posts

Tag timelines page with the ``Link`` header (``<...?max_id=ID>; rel="next"``); search
results have none, so the next page is ``max_id=<last id>``. A status: ``id`` (local to
the instance), ``uri`` (global), ``url`` (web page), ``created_at``, ``content`` (HTML),
``spoiler_text`` (content warning, used as title), ``language``, ``account.acct``
(``user`` for local accounts, ``user@host`` for remote ones), ``reblog``.

The id stored is ``uri``: the same post seen through two instances is one mention.
Instances that turned off public previews answer 401 ("This API requires an authenticated
user"); the error line says so. ``MASTODON_ACCESS_TOKEN`` (environment, never config), a
token of an account on that instance with ``read:statuses`` scope, is sent when set; most
instances search post texts only for logged-in users, and only posts that opted in.

Posts of accounts that opted out of indexing (``account.noindex``) are not stored
(counted as ``dropped/opted_out``); paging still uses them, so the cursor is unaffected.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from scrapy.http import Request, Response, TextResponse
from w3lib.url import add_or_replace_parameter

from spiders import PageParseError, refuse_to_start
from spiders.base import PageResult, ReviewSpider, dig, load_json
from spiders.brands import parse_list_arg
from spiders.items import ReviewItem
from spiders.pipelines import clean_text

logger = logging.getLogger(__name__)

TOKEN_ENV = "MASTODON_ACCESS_TOKEN"
PAGE_SIZE = 40  # the API's maximum for timelines
_LINK = re.compile(r"<([^>]*)>\s*;\s*rel=\"?([^\";]+)\"?")


def tag_url(base: str, hashtag: str) -> str:
    return f"{base.rstrip('/')}/api/v1/timelines/tag/{quote(hashtag)}?limit={PAGE_SIZE}"


def search_url(base: str, query: str) -> str:
    return f"{base.rstrip('/')}/api/v2/search?{urlencode({'q': query, 'type': 'statuses', 'limit': PAGE_SIZE})}"


def link_next(header: bytes | str | None) -> str | None:
    """The ``rel="next"`` URL of an RFC 8288 ``Link`` header."""
    if not header:
        return None
    text = header.decode("latin-1") if isinstance(header, bytes) else header
    for url, rels in _LINK.findall(text):
        if "next" in rels.split():
            return url
    return None


def statuses_in(data: Any, url: str) -> list[dict[str, Any]]:
    """Statuses of a timeline (a JSON array) or a search result (``statuses``)."""
    statuses = data.get("statuses") if isinstance(data, dict) and "statuses" in data else data
    if not isinstance(statuses, list):
        raise PageParseError(url, "neither a list of statuses nor a search result with 'statuses'")
    return [s for s in statuses if isinstance(s, dict)]


def opted_out(status: dict[str, Any]) -> bool:
    """The author asked not to be indexed (Mastodon's ``noindex`` account setting)."""
    original = status["reblog"] if isinstance(status.get("reblog"), dict) else status
    return dig(original, "account", "noindex") is True


def empty_post(status: dict[str, Any]) -> bool:
    """``content`` present but without text (an image-only post), as opposed to missing."""
    original = status["reblog"] if isinstance(status.get("reblog"), dict) else status
    content = original.get("content")
    return isinstance(content, str) and not clean_text(content)


def status_item(status: dict[str, Any], *, brand: str, source: str, instance_host: str) -> ReviewItem:
    """One status as a raw item (a boost stands for the boosted post)."""
    if isinstance(status.get("reblog"), dict):
        status = status["reblog"]
    acct = dig(status, "account", "acct")
    if isinstance(acct, str) and acct and "@" not in acct:
        acct = f"{acct}@{instance_host}"  # the same person everywhere, whichever instance we read
    uri = status.get("uri") or status.get("url")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=uri if isinstance(uri, str) and uri else None,
        url=status.get("url") or uri or "",
        kind="post",
        published_at=status.get("created_at"),
        title=status.get("spoiler_text") or None,
        text=status.get("content"),
        language=status.get("language"),
        author=acct if isinstance(acct, str) else None,
    )


class MastodonSpider(ReviewSpider):
    """``-a hashtags=snelkoop,webwinkel`` and/or ``-a query=...`` on the instance ``url``."""

    name = "mastodon"

    def __init__(self, *args: Any, hashtags: str | None = None, query: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hashtags = [tag.removeprefix("#") for tag in parse_list_arg(hashtags)]
        self.query = (query or "").strip() or None
        if not self.hashtags and not self.query:
            refuse_to_start(logger, f"{self.name}: spider argument 'hashtags' (or 'query') is required")
        self.base_url = self.start_url.rstrip("/")
        self.instance_host = urlsplit(self.base_url).netloc
        self.token = os.environ.get(TOKEN_ENV, "").strip() or None

    async def start(self) -> AsyncIterator[Request]:
        for tag in self.hashtags:
            yield self._page_request(tag_url(self.base_url, tag), page=1, listing=f"#{tag}")
        if self.query:
            yield self._page_request(search_url(self.base_url, self.query), page=1, listing=f"search {self.query}")

    def request_headers(self, *, post: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def parse_page(self, response: TextResponse) -> PageResult:
        data = load_json(response)
        statuses = statuses_in(data, response.url)
        items = []
        for status in statuses:
            if opted_out(status):
                self._count("dropped/opted_out")
                continue
            if empty_post(status):
                self._count("dropped/empty")  # a media-only post: nothing to read, not a format change
                continue
            items.append(status_item(status, brand=self.brand, source=self.source, instance_host=self.instance_host))
        if isinstance(data, dict):  # search: no Link header
            if not statuses and response.cb_kwargs.get("page") == 1 and not self.token:
                self._record_warning(
                    f"{response.url}: search found no posts; most instances search post texts only for "
                    f"logged-in users (set {TOKEN_ENV})"
                )
            last_id = statuses[-1].get("id") if statuses else None
            next_url = add_or_replace_parameter(response.url, "max_id", str(last_id)) if last_id else None
        else:
            next_url = link_next(response.headers.get("Link")) if statuses else None
        return PageResult(items, next_url)

    def explain_http_error(self, response: Response) -> str | None:
        if response.status == 401:
            return (
                f"{self.instance_host} shows its timelines only to logged-in users (public preview disabled): "
                f"pick another instance or set {TOKEN_ENV}"
            )
        if response.status == 404:
            return "no such API on this server (is url a Mastodon instance?)"
        return None
