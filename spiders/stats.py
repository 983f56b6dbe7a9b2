"""The crawl stats file: a Scrapy extension (``EXTENSIONS`` in spiders/settings.py).

When a spider closes, ``CrawlStatsWriter`` writes the file named by ``KLANTSTEM_STATS_FILE``
(format documented in spiders/settings.py) from the crawl's stats: what the flow turns into
the run summary and ``crawl_runs``. Without the setting it does nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from spiders.drift import DEFAULT_DRIFT_THRESHOLD, DRIFT_THRESHOLD_SETTING, assess
from spiders.pipelines import STATS_PREFIX

STATS_FILE_SETTING = "KLANTSTEM_STATS_FILE"


class CrawlStatsWriter:
    """Writes the stats file when the spider closes (before Scrapy's stats are dumped)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        path = self.crawler.settings.get(STATS_FILE_SETTING)
        stats = self.crawler.stats
        if not path or stats is None:
            return
        # no stored ids: a backfill, whose depth the run summary reports when max_pages cut it
        stats.set_value(STATS_PREFIX + "first_crawl", not getattr(spider, "seen_ids", None))
        summary = build_summary(
            stats.get_stats(),
            spider=spider.name,
            brand=getattr(spider, "brand", ""),
            source=getattr(spider, "source", spider.name),
            url=getattr(spider, "start_url", ""),
            reason=reason,
            finished_at=datetime.now(UTC),
            drift_threshold=self.crawler.settings.getfloat(DRIFT_THRESHOLD_SETTING, DEFAULT_DRIFT_THRESHOLD),
            noun="posts" if getattr(spider, "brand_filter", False) else "reviews",
        )
        write_json_atomic(Path(path), summary)


def build_summary(
    stats: Mapping[str, Any],
    *,
    spider: str,
    brand: str,
    source: str,
    url: str,
    reason: str,
    finished_at: datetime,
    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD,
    noun: str = "reviews",
) -> dict[str, Any]:
    """The stats file's content (format documented in spiders/settings.py).

    ``error`` is the first failure, or why the crawl ended early; the flow reports the
    source as failed when it is set, even though items from earlier pages are valid.
    ``status`` adds format drift (``spiders.drift``): items that all, or too often, lack
    a required field make the source ``failed`` or ``degraded`` without an ``error``.
    """
    errors: list[str] = list(stats.get(STATS_PREFIX + "errors", []))
    dropped_prefix = STATS_PREFIX + "dropped/"
    truncated_prefix = STATS_PREFIX + "truncated/"
    started_at: datetime | None = stats.get("start_time")
    error = errors[0] if errors else None
    stop_prefix = STATS_PREFIX + "stop_reasons/"
    brand_prefix = STATS_PREFIX + "brand_filter/"
    if error is None and reason != "finished":
        error = f"crawl ended early: {reason}"
    skipped = stats.get(STATS_PREFIX + "skipped")
    dropped = {
        key.removeprefix(dropped_prefix): count for key, count in sorted(stats.items()) if key.startswith(dropped_prefix)
    }
    drift = list(stats.get(STATS_PREFIX + "drift", []))
    health = assess(
        checked=int(stats.get(STATS_PREFIX + "checked", 0)),
        dropped=dropped,
        drift=drift,
        error=error,
        threshold=drift_threshold,
        noun=noun,
    )
    return {
        "spider": spider,
        "brand": brand,
        "source": source,
        "url": url,
        "finish_reason": reason,
        "started_at": started_at.isoformat(timespec="seconds") if started_at else None,
        "finished_at": finished_at.isoformat(timespec="seconds"),
        "elapsed_s": round((finished_at - started_at).total_seconds(), 3) if started_at else None,
        "pages_fetched": stats.get(STATS_PREFIX + "pages_fetched", 0),
        "pages_failed": stats.get(STATS_PREFIX + "pages_failed", 0),
        "items_scraped": stats.get("item_scraped_count", 0),
        "items_seen": stats.get(STATS_PREFIX + "seen", 0),
        "items_checked": stats.get(STATS_PREFIX + "checked", 0),
        "items_dropped": dropped,
        "items_truncated": {
            key.removeprefix(truncated_prefix): count
            for key, count in sorted(stats.items())
            if key.startswith(truncated_prefix)
        },
        "stop_reason": stats.get(STATS_PREFIX + "stop_reason"),
        "stop_reasons": {
            key.removeprefix(stop_prefix): value for key, value in sorted(stats.items()) if key.startswith(stop_prefix)
        },
        "brand_filter": {
            key.removeprefix(brand_prefix): count
            for key, count in sorted(stats.items())
            if key.startswith(brand_prefix)
        },
        "skipped": skipped,
        "first_crawl": stats.get(STATS_PREFIX + "first_crawl", False),
        "total_available": stats.get(STATS_PREFIX + "total_available"),
        "warnings": list(stats.get(STATS_PREFIX + "warnings", [])),
        "drift": drift,
        "errors": errors,
        "error": error,
        # Every listing paged down to the last complete crawl's reviews (or to its end):
        # the flow may then move the source's watermark (warehouse.crawl_runs).
        "complete": error is None and not skipped and not stats.get(STATS_PREFIX + "incomplete"),
        "status": "skipped" if skipped and not error else health.status,
        "status_reason": health.reason,
    }


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write via a temporary file so the flow never reads half a stats file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
