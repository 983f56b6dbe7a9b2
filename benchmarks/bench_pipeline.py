"""Item pipeline throughput for the source spiders, on the loopback fixture server.

Two numbers per run, for ``--items`` items (default 10,000):

1. **pipeline only** (in process): pages fetched once from the fixture server, parsed by the
   spiders' own parse functions into raw items, then timed through every ``ITEM_PIPELINES``
   stage (id, clean-up, timestamps, ratings, pseudonyms, validation, brand filter,
   duplicates, seen ids): App Store reviews (no brand filter) and Reddit posts and
   comments (brand filter on, 30% of the corpus mentions the brand);
2. **end to end**: a real ``scrapy crawl reddit`` subprocess, delays off, reading
   ``--items`` posts and as many comments (100 per page) from the fixture server, from
   process start to exit (interpreter and Scrapy start-up included).

Not a timed test: run it by hand from the repository root.

    python benchmarks/bench_pipeline.py
    python benchmarks/bench_pipeline.py --items 50000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scrapy.exceptions import DropItem  # noqa: E402
from scrapy.utils.misc import load_object  # noqa: E402

from spiders.items import ReviewItem  # noqa: E402
from spiders.spiders import appstore, reddit  # noqa: E402
from tests.source_fixtures import APPSTORE_APP, FIXTURE_SETTINGS, SourceFixtureServer, corpus  # noqa: E402
from tests.spider_helpers import run_crawl  # noqa: E402
from tests.spider_helpers import TEST_SALT, make_crawler  # noqa: E402


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (loopback only)
        return answer.read()


def appstore_items(base: str, count: int) -> list[ReviewItem]:
    """App Store pages 1-3 (101 reviews) parsed once, repeated with fresh ids up to ``count``."""
    parsed: list[ReviewItem] = []
    for page in (1, 2, 3):
        feed = appstore.parse_feed(json.loads(fetch(appstore.feed_url(base, "nl", APPSTORE_APP, page))), "u")
        parsed += [
            appstore.review_item(e, brand="Snelkoop", source="appstore", country="nl", app_id=APPSTORE_APP)
            for e in appstore.entries(feed)
            if appstore.is_review(e)
        ]
    return [ReviewItem(**{**vars(parsed[i % len(parsed)]), "external_id": f"a{i}"}) for i in range(count)]


def reddit_items(base: str, count: int) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    for listing in ("new", "comments"):
        url = reddit.listing_url(base, "thenetherlands", listing)
        while url and len(items) < count:
            things, after = reddit.parse_listing(json.loads(fetch(url)), url)
            items += [reddit.thing_item(t, brand="Jumbo", source="reddit", base=base + "/") for t in things]
            url = reddit.listing_url(base, "thenetherlands", listing, after) if after else None
    return items[:count]


def through_pipelines(spider_cls: type, spider_args: dict[str, str], items: list[ReviewItem]) -> tuple[float, int]:
    """Seconds for all items through every pipeline (built once, as in a crawl); items kept."""
    os.environ["KLANTSTEM_AUTHOR_SALT"] = TEST_SALT
    crawler = make_crawler(spider_cls, **spider_args)
    stages = [
        load_object(path).from_crawler(crawler)
        for path, _ in sorted(crawler.settings.getdict("ITEM_PIPELINES").items(), key=lambda e: e[1])
    ]
    kept = 0
    started = time.perf_counter()
    for item in items:
        try:
            for stage in stages:
                item = stage.process_item(item)
        except DropItem:
            continue
        kept += 1
    return time.perf_counter() - started, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    posts = len(corpus()["posts"])
    repeat = -(-args.items // posts)
    with SourceFixtureServer(reddit_page_size=100, reddit_repeat=repeat) as server:
        base = server.base_url
        print(f"fixture server {base}; {args.items:,} items per measurement; {os.cpu_count()} CPUs")

        items = appstore_items(base, args.items)
        seconds, kept = through_pipelines(
            appstore.AppStoreSpider, {"url": base, "brand": "Snelkoop", "app_id": APPSTORE_APP}, items
        )
        print(
            f"pipeline only, App Store reviews : {len(items) / seconds:>9,.0f} items/s "
            f"({len(items):,} in {seconds:.2f} s, {kept:,} kept)"
        )

        items = reddit_items(base, args.items)
        seconds, kept = through_pipelines(
            reddit.RedditSpider,
            {
                "url": base,
                "brand": "Jumbo",
                "subreddits": "thenetherlands",
                "keywords": '["Jumbo"]',
                "exclude": '["Jumbo Jet"]',
            },
            items,
        )
        print(
            f"pipeline only, Reddit, filtered  : {len(items) / seconds:>9,.0f} items/s "
            f"({len(items):,} in {seconds:.2f} s, {kept:,} mention the brand)"
        )

        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = run_crawl(
                "reddit",
                base,
                Path(tmp),
                brand="Jumbo",
                max_pages=repeat * posts // 100 + 1,
                args={"subreddits": "thenetherlands", "keywords": "Jumbo", "exclude": "Jumbo Jet"},
                settings={**FIXTURE_SETTINGS, "LOG_LEVEL": "WARNING"},
            )
            seconds = time.perf_counter() - started
        stats = result.stats or {}
        things = sum((stats.get("brand_filter") or {}).values())
        print(
            f"end to end, scrapy crawl reddit  : {things / seconds:>9,.0f} items/s "
            f"({things:,} posts+comments through the pipeline, {len(result.items):,} written, "
            f"{stats.get('pages_fetched', 0)} pages, {seconds:.1f} s wall, crawl itself {stats.get('elapsed_s')} s, "
            f"error={stats.get('error')})"
        )


if __name__ == "__main__":
    main()
