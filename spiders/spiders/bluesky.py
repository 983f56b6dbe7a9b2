"""Bluesky post search, kept when posts mention the brand. Needs an account.

Since 2025 ``app.bsky.feed.searchPosts`` answers only logged-in clients (the public
AppView returns 403 without a session). The spider logs in with an *app password*
(Settings > Privacy and security > App passwords; never the account password) from the
environment, ``BLUESKY_HANDLE`` and ``BLUESKY_APP_PASSWORD``, never from monitor.toml or
the command line. Without them the source is **skipped**: the stats file says so in
``skipped``, the crawl exits 0, and nothing is requested.

``url`` is the account's PDS/entryway (``https://bsky.social``)::

    POST {url}/xrpc/com.atproto.server.createSession  {"identifier", "password"} -> {"accessJwt", ...}
    GET  {url}/xrpc/app.bsky.feed.searchPosts?q=...&sort=latest&limit=100[&lang=nl][&cursor=...]
         Authorization: Bearer <accessJwt>  ->  {"cursor"?, "hitsTotal", "posts": [PostView]}

PostView: ``uri`` (``at://did/app.bsky.feed.post/<rkey>``, the id stored), ``author.handle``,
``record.text``, ``record.createdAt``, ``record.langs``. One search per ``query`` or, without
one, per brand keyword (the search has no OR); results page with ``cursor``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, Response, TextResponse
from w3lib.url import add_or_replace_parameter

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, dig, load_json, string_arg
from spiders.items import ReviewItem

logger = logging.getLogger(__name__)

HANDLE_ENV = "BLUESKY_HANDLE"
PASSWORD_ENV = "BLUESKY_APP_PASSWORD"
PAGE_SIZE = 100
WEB = "https://bsky.app"


def session_url(base: str) -> str:
    return f"{base.rstrip('/')}/xrpc/com.atproto.server.createSession"


def search_url(base: str, query: str, language: str | None = None) -> str:
    params = {"q": query, "sort": "latest", "limit": PAGE_SIZE}
    if language:
        params["lang"] = language
    return f"{base.rstrip('/')}/xrpc/app.bsky.feed.searchPosts?{urlencode(params)}"


def web_url(uri: str, handle: str | None) -> str:
    """``at://did/app.bsky.feed.post/rkey`` -> ``https://bsky.app/profile/<handle or did>/post/rkey``."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3:
        return WEB
    did, _collection, rkey = parts
    return f"{WEB}/profile/{handle or did}/post/{rkey}"


def parse_search(data: Any, url: str) -> tuple[list[dict[str, Any]], str | None]:
    posts = dig(data, "posts")
    if not isinstance(posts, list):
        raise PageParseError(url, "searchPosts answer has no 'posts' list")
    cursor = dig(data, "cursor")
    return [p for p in posts if isinstance(p, dict)], cursor if isinstance(cursor, str) and cursor else None


def post_item(post: dict[str, Any], *, brand: str, source: str) -> ReviewItem:
    uri = post.get("uri")
    handle = dig(post, "author", "handle")
    langs = dig(post, "record", "langs")
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=uri if isinstance(uri, str) and uri else None,
        url=web_url(uri, handle if isinstance(handle, str) else None) if isinstance(uri, str) else WEB,
        kind="post",
        published_at=dig(post, "record", "createdAt"),
        text=dig(post, "record", "text"),
        language=langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
        author=handle if isinstance(handle, str) else None,
    )


class BlueskySpider(ReviewSpider):
    """Posts found by ``searchPosts`` for ``-a query=...`` (default: each brand keyword)."""

    name = "bluesky"
    text_is_html = False

    def __init__(self, *args: Any, query: str | None = None, language: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.brand_matcher is not None
        self.queries = [query.strip()] if query and query.strip() else list(self.brand_matcher.keywords)
        self.language = string_arg(self.name, "language", language, r"[a-z]{2}") if language else None
        self.base_url = self.start_url.rstrip("/")
        self.access_jwt: str | None = None

    async def start(self) -> AsyncIterator[Request]:
        handle = os.environ.get(HANDLE_ENV, "").strip()
        password = os.environ.get(PASSWORD_ENV, "").strip()
        if not handle or not password:
            self._skip(
                f"Bluesky search needs an account: set {HANDLE_ENV} and {PASSWORD_ENV} "
                f"(an app password) in the environment to crawl this source"
            )
            return
        yield Request(
            session_url(self.base_url),
            method="POST",
            body=json.dumps({"identifier": handle, "password": password}),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            callback=self._session_created,
            errback=self._on_request_failed,
            dont_filter=True,
        )

    def _session_created(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            raise PageParseError(response.url, "createSession answer is not text")
        token = dig(load_json(response), "accessJwt")
        if not isinstance(token, str) or not token:
            raise PageParseError(response.url, "createSession answer has no accessJwt")
        self.access_jwt = token
        for query in self.queries:
            yield self._page_request(search_url(self.base_url, query, self.language), page=1, listing=f"search {query}")

    def request_headers(self, *, post: bool) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.access_jwt:
            headers["Authorization"] = f"Bearer {self.access_jwt}"
        return headers

    def parse_page(self, response: TextResponse) -> PageResult:
        posts, cursor = parse_search(load_json(response), response.url)
        items = []
        for post in posts:
            text = dig(post, "record", "text")
            if isinstance(text, str) and not text.strip():
                self._count("dropped/empty")  # an image-only post: nothing to read, not a format change
                continue
            items.append(post_item(post, brand=self.brand, source=self.source))
        next_url = add_or_replace_parameter(response.url, "cursor", cursor) if cursor and posts else None
        return PageResult(items, next_url)

    def explain_http_error(self, response: Response) -> str | None:
        if "createSession" in response.url and response.status in (400, 401):
            return f"login refused: check {HANDLE_ENV} and {PASSWORD_ENV} (an app password, not the account password)"
        if response.status in (401, 403):
            return "search needs a logged-in session (expired or refused token)"
        return None
