"""Scrapy settings for Klantstem crawls.

Politeness defaults come from ``klantstem.config.CrawlConfig`` so that ``scrapy crawl`` by
hand behaves like a scheduled run; the flow overrides them per run with ``-s`` from
monitor.toml (and turns delays off for the loopback demo).

Settings of our own:

``KLANTSTEM_STATS_FILE``
    Path of a JSON file written when the spider closes, for the run summary::

        {"spider": "trustpilot", "brand": "Snelkoop", "source": "trustpilot",
         "url": "<start url>", "finish_reason": "finished",
         "started_at": "<ISO UTC>", "finished_at": "<ISO UTC>", "elapsed_s": 1.2,
         "pages_fetched": 9, "pages_failed": 0,
         "items_scraped": 170, "items_seen": 0, "items_checked": 171,
         "items_dropped": {"missing_text": 1, "future_date": 1, "unreadable": 1},
         "items_truncated": {"text": 1},        # cut to klantstem.limits.MAX_STORED_CHARS
         "stop_reason": "last_page" | "max_pages" | "seen" | "login_wall" | null,
         "stop_reasons": {"r/thenetherlands new": "seen", ...},   # per listing
         "brand_filter": {"matched": 3, "no_keyword": 120, "excluded": 1},  # post sources
         "skipped": "<why the source did not run>" | null,  # e.g. no Bluesky credentials
         "warnings": ["<url>: article text from the feed summary: HTTP 403", ...],
         "drift": ["<url>: 3 of 50 App Store reviews have no im:rating: ...", ...],
         "errors": ["<url>: HTTP 500", ...],
         "error": "<first of errors>" | "crawl ended early: <reason>" | null,
         "complete": true,   # no error, and paging reached the last complete crawl (or the end)
         "status": "ok" | "degraded" | "failed" | "skipped",
         "status_reason": "47 of 50 reviews lack published_at: the page format changed?" | null}

    ``error`` set means the source failed (items from pages before the failure are still
    valid). ``status`` adds format drift (``spiders.drift``): ``failed`` when no item was
    usable, ``degraded`` when too many lacked a required field (``KLANTSTEM_DRIFT_THRESHOLD``,
    monitor.toml ``crawl.max_drop_share``) or the spider reported ``drift``. No file is written when the crawl cannot start at all (missing salt, bad
    argument): then ``scrapy crawl`` exits 1 and its last stderr line says why.
"""

from __future__ import annotations

from klantstem.config import CrawlConfig
from spiders.items import STAGING_FIELDS

_DEFAULTS = CrawlConfig()

BOT_NAME = "klantstem"
SPIDER_MODULES = ["spiders.spiders"]
NEWSPIDER_MODULE = "spiders.spiders"

# Identify honestly, obey robots.txt and stay slow unless told otherwise.
USER_AGENT = _DEFAULTS.user_agent
ROBOTSTXT_OBEY = _DEFAULTS.obey_robots
DOWNLOAD_DELAY = _DEFAULTS.download_delay_s
AUTOTHROTTLE_ENABLED = _DEFAULTS.autothrottle
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False

# Transient failures (5xx, 429, timeouts) are retried inside the crawl; the flow retries
# whole crawls on top of this.
RETRY_ENABLED = True
RETRY_TIMES = _DEFAULTS.retries
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Unattended crawls need no telnet console or remote-code-execution endpoint listening.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {
    "spiders.pipelines.ExternalIdPipeline": 100,
    "spiders.pipelines.CleanTextPipeline": 200,
    "spiders.pipelines.NormaliseFieldsPipeline": 300,
    "spiders.pipelines.RatingPipeline": 400,
    "spiders.pipelines.PseudonymisePipeline": 500,
    "spiders.pipelines.ValidationPipeline": 600,
    "spiders.pipelines.BrandMatchPipeline": 650,
    "spiders.pipelines.DuplicatePipeline": 680,
    "spiders.pipelines.SeenIdsPipeline": 700,
}

# 429 (and 503 with Retry-After): wait what the server asks, then retry. Runs before
# Scrapy's RetryMiddleware (550), which would otherwise retry at once.
DOWNLOADER_MIDDLEWARES = {"spiders.middlewares.RetryAfterMiddleware": 560}
KLANTSTEM_RETRY_AFTER_MAX_S = 300.0  # cap on one wait; tests set it tiny
KLANTSTEM_RETRY_AFTER_DEFAULT_S = 30.0  # a 429 without Retry-After
# Per-source minimum delays (Reddit: 6 s, ~10 requests/min without OAuth) win over a
# smaller DOWNLOAD_DELAY. False only for loopback fixtures in tests.
KLANTSTEM_SOURCE_RATE_LIMITS = True

FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORT_FIELDS = list(STAGING_FIELDS)  # the contract's columns, in its order
LOG_LEVEL = "INFO"

# The stats file above is written by this extension when the spider closes.
EXTENSIONS = {"spiders.stats.CrawlStatsWriter": 500}
KLANTSTEM_STATS_FILE: str | None = None
KLANTSTEM_DRIFT_THRESHOLD = _DEFAULTS.max_drop_share
