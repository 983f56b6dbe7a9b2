"""Scrapy project: one spider per source type, shared clean-up in item pipelines.

Crawls run as ``scrapy crawl <type> -a url=... -a brand=...`` subprocesses (see
docs/ARCHITECTURE.md section 2), so this package only has to turn pages into staging rows;
scheduling, retries across runs and loading belong to ``flows/``.
"""

from __future__ import annotations

import logging
from typing import NoReturn


class CrawlSetupError(RuntimeError):
    """A crawl that must not start (bad spider argument, missing salt).

    Raised while Scrapy builds the crawler, so ``scrapy crawl`` exits 1 before any request
    is sent; ``str()`` is the one line an operator needs.
    """


class PageParseError(ValueError):
    """A fetched page whose review data cannot be read.

    Raised rather than yielding nothing, so a changed page layout shows up as a failed
    source in the run summary instead of as a quiet day. ``str()`` names the URL.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")


def refuse_to_start(log: logging.Logger, message: str) -> NoReturn:
    """Log ``message`` as the one CRITICAL line of a crawl that cannot start, then raise it."""
    log.critical(message)
    raise CrawlSetupError(message)
