"""Google Play reviews of one app, through the Play web app's own ``batchexecute`` endpoint.

There is no public reviews API for other people's apps (the Developer API only serves
your own), so this reads what the Play Store web page loads: a form POST to::

    {url}/_/PlayStoreUi/data/batchexecute?hl={language}&gl={country}

with ``f.req`` = ``[[["oCPfdb", "<inner JSON>", null, "generic"]]]`` where the inner JSON is
``[null,[2,<sort: 2 newest>,[<count>,null,<token or null>],null,[null,null,...]],["<app id>",7]]``.

The answer starts with the anti-JSON-hijacking prefix ``)]}'`` and wraps the payload
twice: ``[["wrb.fr","oCPfdb","<payload JSON string>",...], ["di",..], ...]``. The payload
is ``[[review, ...], ..., [null, "<next page token>"], ...]``; a review is a positional
array::

    [0] review id   [1][0] author name   [2] stars 1-5   [4] text
    [5][0] unix seconds   [7][1] developer reply   [7][2][0] reply unix seconds   [10] app version

No token means the last page. An envelope whose payload is null carries an error code
instead (e.g. ``[5]`` for an unknown app): that is a failed page, not an empty one.
Unofficial: Google changes this without notice, which then shows as a parse error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from scrapy.http import Request, TextResponse

from spiders import PageParseError
from spiders.base import PageResult, ReviewSpider, epoch_to_iso, string_arg
from spiders.items import ReviewItem

RPC_ID = "oCPfdb"
SORT_NEWEST = 2
PAGE_SIZE = 100
RATING_SCALE = (1, 5)
XSSI_PREFIX = ")]}'"


def batchexecute_url(base: str, language: str, country: str) -> str:
    return f"{base.rstrip('/')}/_/PlayStoreUi/data/batchexecute?{urlencode({'hl': language, 'gl': country})}"


def request_body(app_id: str, token: str | None, count: int = PAGE_SIZE) -> str:
    """The form body ``f.req=...`` for one page (``token`` None: the first page)."""
    inner = [None, [2, SORT_NEWEST, [count, None, token], None, [None] * 9], [app_id, 7]]
    envelope = [[[RPC_ID, json.dumps(inner, separators=(",", ":")), None, "generic"]]]
    return urlencode({"f.req": json.dumps(envelope, separators=(",", ":"))})


def parse_payload(text: str, url: str) -> list[Any]:
    """The ``oCPfdb`` payload of a batchexecute answer; ``PageParseError`` when absent."""
    body = text.lstrip()
    if body.startswith(XSSI_PREFIX):
        body = body[len(XSSI_PREFIX) :]
    try:
        envelopes = json.loads(body)
    except ValueError:
        raise PageParseError(url, f"batchexecute answer is not JSON (starts {text[:40]!r})") from None
    for envelope in envelopes if isinstance(envelopes, list) else []:
        if isinstance(envelope, list) and envelope[:2] == ["wrb.fr", RPC_ID]:
            payload = envelope[2] if len(envelope) > 2 else None
            if payload is None:
                code = envelope[5] if len(envelope) > 5 else None
                raise PageParseError(url, f"batchexecute {RPC_ID} returned no data (error {code}); wrong app id?")
            try:
                data = json.loads(payload)
            except (TypeError, ValueError):
                raise PageParseError(url, f"batchexecute {RPC_ID} payload is not JSON") from None
            if not isinstance(data, list):
                raise PageParseError(url, f"batchexecute {RPC_ID} payload is not a list")
            return data
    raise PageParseError(url, f"batchexecute answer has no {RPC_ID} envelope")


def reviews_in(payload: list[Any]) -> list[list[Any]]:
    first = payload[0] if payload else None
    return [r for r in first if isinstance(r, list)] if isinstance(first, list) else []


def next_token(payload: list[Any]) -> str | None:
    """The pagination token: the last ``[..., "<token>"]`` list after the reviews."""
    for part in reversed(payload[1:]):
        if isinstance(part, list) and part and isinstance(part[-1], str) and part[-1]:
            return part[-1]
    return None


def _at(value: Any, *path: int) -> Any:
    for index in path:
        if not isinstance(value, list) or index >= len(value):
            return None
        value = value[index]
    return value


def review_item(review: list[Any], *, brand: str, source: str, app_page: str) -> ReviewItem:
    review_id = _at(review, 0)
    return ReviewItem(
        source=source,
        brand=brand,
        external_id=str(review_id) if isinstance(review_id, str) and review_id else None,
        url=f"{app_page}&reviewId={review_id}" if review_id else app_page,
        published_at=epoch_to_iso(_at(review, 5, 0)),
        text=_at(review, 4),
        rating=_at(review, 2),
        rating_min=RATING_SCALE[0],
        rating_max=RATING_SCALE[1],
        author=_at(review, 1, 0),
        reply=_at(review, 7, 1),
        reply_at=epoch_to_iso(_at(review, 7, 2, 0)),
    )


class GooglePlaySpider(ReviewSpider):
    """Newest reviews of one Android app (``-a app_id=nl.example.app -a country=nl -a language=nl``)."""

    name = "googleplay"
    text_is_html = False
    min_download_delay = 2.0  # unofficial endpoint: stay well below what a browser does

    def __init__(
        self,
        *args: Any,
        app_id: str | None = None,
        country: str | None = None,
        language: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.app_id = string_arg(self.name, "app_id", app_id, r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
        self.country = string_arg(self.name, "country", country, r"[a-z]{2}", default="nl")
        self.language = string_arg(self.name, "language", language, r"[a-z]{2}", default="nl")
        self.base_url = self.start_url.rstrip("/")
        self.start_url = batchexecute_url(self.base_url, self.language, self.country)
        self.app_page = f"{self.base_url}/store/apps/details?{urlencode({'id': self.app_id, 'hl': self.language})}"

    async def start(self) -> AsyncIterator[Request]:
        yield self._page_request(self.start_url, page=1, body=request_body(self.app_id, None))

    def request_headers(self, *, post: bool) -> dict[str, str]:
        return {"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"} if post else {}

    def parse_page(self, response: TextResponse) -> PageResult:
        payload = parse_payload(response.text, response.url)
        reviews = reviews_in(payload)
        items = [review_item(r, brand=self.brand, source=self.source, app_page=self.app_page) for r in reviews]
        token = next_token(payload) if reviews else None
        if token is None:
            return PageResult(items, None)
        return PageResult(items, response.url, next_body=request_body(self.app_id, token))
