"""Downloader middleware: do what a rate-limited server asks.

Scrapy's own ``RetryMiddleware`` retries a 429 at once, which is exactly what a server that
says "slow down" does not want. ``RetryAfterMiddleware`` sits closer to the downloader (it
sees responses first) and, for 429 and for 503 with a ``Retry-After`` header:

1. reads ``Retry-After`` (seconds or an HTTP date; a 429 without one waits
   ``KLANTSTEM_RETRY_AFTER_DEFAULT_S``), capped at ``KLANTSTEM_RETRY_AFTER_MAX_S``;
2. holds back the host's download slot for that long, so other queued requests to the
   same host wait too (with a download delay set, as in every real crawl);
3. sleeps without blocking the reactor, then returns the retry request, counted against
   ``RETRY_TIMES`` like any other retry.

When the retries are used up the last response goes on to the spider's errback with
``request.meta["klantstem_rate_limit"]`` describing the waits, so the error line in the
stats file says "rate limited" rather than just "HTTP 429".

Reddit-style quota headers are honoured too: a successful response with
``X-Ratelimit-Remaining: 0`` holds the slot until ``X-Ratelimit-Reset`` seconds have passed.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

RATE_LIMIT_META = "klantstem_rate_limit"


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: ``"120"`` or an HTTP date; None if unreadable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """Wait as long as ``Retry-After`` says (capped), then retry; see the module doc."""

    STATUSES = frozenset({429, 503})

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.max_wait = settings.getfloat("KLANTSTEM_RETRY_AFTER_MAX_S", 300.0)
        self.default_wait = settings.getfloat("KLANTSTEM_RETRY_AFTER_DEFAULT_S", 30.0)
        self.enabled = settings.getbool("RETRY_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if response.status not in self.STATUSES:
            self._honour_quota_headers(request, response)
            return response
        header = response.headers.get("Retry-After")
        asked = retry_after_seconds(header)
        if asked is None:
            if response.status != 429:
                return response  # a plain 503 is RetryMiddleware's business
            asked = self.default_wait
        wait = min(asked, self.max_wait)
        note = {
            "status": response.status,
            "retry_after_s": asked,
            "waited_s": wait,
            "retries": request.meta.get("retry_times", 0),
        }
        request.meta[RATE_LIMIT_META] = note
        if not self.enabled or request.meta.get("dont_retry", False):
            return response
        assert self.crawler.spider is not None
        retry = get_retry_request(
            request, spider=self.crawler.spider, reason=f"{response.status} Retry-After {asked:g}s", logger=logger
        )
        if retry is None:
            return response  # retries used up: the errback reports it, with the note above
        logger.warning(
            "%s answered %d: waiting %.1f s (Retry-After %s) before retry %d",
            request.url,
            response.status,
            wait,
            header.decode("latin-1") if header else "absent",
            retry.meta["retry_times"],
        )
        self._hold_slot(request, wait)
        await sleep(wait)
        return retry

    def _honour_quota_headers(self, request: Request, response: Response) -> None:
        remaining = response.headers.get("X-Ratelimit-Remaining")
        reset = retry_after_seconds(response.headers.get("X-Ratelimit-Reset"))
        if remaining is None or reset is None:
            return
        try:
            exhausted = float(remaining.decode("latin-1")) < 1
        except ValueError:
            return
        if exhausted:
            wait = min(reset, self.max_wait)
            logger.warning("%s: request quota used up, pausing this host for %.1f s", request.url, wait)
            self._hold_slot(request, wait)

    def _hold_slot(self, request: Request, wait: float) -> None:
        """Make the host's download slot wait ``wait`` s before its next request.

        Scrapy's slot sends its next request once ``delay`` has passed since ``lastseen``;
        moving ``lastseen`` forward delays every queued request to that host. Only works
        with a download delay (every real crawl has one); without, the retry's own sleep is
        the whole wait.
        """
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is not None:
            slot.lastseen = max(slot.lastseen, time.monotonic() + wait)
