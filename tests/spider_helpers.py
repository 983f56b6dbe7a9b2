"""Helpers for spider tests: real ``scrapy crawl`` subprocesses and in-process pipelines."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from flows.crawl import scrapy_crawl_argv
from spiders import settings as project_settings
from spiders.base import ReviewSpider
from spiders.items import ReviewItem

TEST_SALT = "test-salt-not-secret"
# Loopback demo: no politeness delays; retries stay on (the 500 route exercises them).
FAST = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False"}
#: Credentials of the sources that need them: a test's crawl never gets the developer's own.
SOURCE_SECRET_ENV = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD", "MASTODON_ACCESS_TOKEN")


@dataclass
class CrawlResult:
    returncode: int
    items: list[dict[str, Any]]
    stats: dict[str, Any] | None
    stderr: str


def run_crawl(
    spider: str,
    url: str,
    workdir: Path,
    *,
    brand: str = "Snelkoop",
    max_pages: int | None = None,
    seen_ids: Iterable[str] | None = None,
    args: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> CrawlResult:
    """``scrapy crawl`` as the flow runs it, from ``workdir`` (not the repo root), with extra
    ``-a`` arguments and ``-s`` settings: the one way tests launch a crawl. Source secrets from
    the caller's environment are not passed on unless given in ``env``."""
    workdir.mkdir(parents=True, exist_ok=True)
    output, stats_file = workdir / "out.jsonl", workdir / "stats.json"
    arguments = [("url", url), ("brand", brand)]
    if max_pages is not None:
        arguments.append(("max_pages", str(max_pages)))
    if seen_ids is not None:
        seen_file = workdir / "seen.txt"
        seen_file.write_text("".join(f"{i}\n" for i in seen_ids), encoding="utf-8")
        arguments.append(("seen_ids", str(seen_file)))
    arguments += (args or {}).items()
    command = scrapy_crawl_argv(spider, arguments, {**FAST, "KLANTSTEM_STATS_FILE": str(stats_file), **(settings or {})},
                                output)
    full_env = {k: v for k, v in os.environ.items() if k not in SOURCE_SECRET_ENV}
    full_env.update({"SCRAPY_SETTINGS_MODULE": "spiders.settings", "KLANTSTEM_AUTHOR_SALT": TEST_SALT})
    full_env.update(env or {})
    proc = subprocess.run(command, cwd=workdir, env=full_env, capture_output=True, text=True, check=False, timeout=90)
    items = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()] if output.exists() else []
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else None
    return CrawlResult(proc.returncode, items, stats, proc.stderr)


def make_crawler(
    spider_cls: type[ReviewSpider], *, extra_settings: dict[str, Any] | None = None, **spider_args: Any
) -> Crawler:
    """A crawler with the project settings (plus ``extra_settings``) and a spider built from ``spider_args``."""
    settings = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    settings.update(extra_settings or {})
    crawler = get_crawler(spider_cls, settings)
    crawler.spider = spider_cls.from_crawler(crawler, **spider_args)
    return crawler


def run_pipelines(crawler: Crawler, item: ReviewItem) -> ReviewItem:
    """Pass ``item`` through ITEM_PIPELINES in order, as Scrapy would (DropItem propagates)."""
    pipelines = sorted(crawler.settings.getdict("ITEM_PIPELINES").items(), key=lambda entry: entry[1])
    for path, _order in pipelines:
        item = load_object(path).from_crawler(crawler).process_item(item)
    return item
