"""The crawl stats file is written by a Scrapy extension that the project settings enable, not
by the spider: a crawl without the extension writes none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import signals

from spiders import settings as project_settings
from spiders.spiders.jsonld import JsonLdSpider
from spiders.stats import STATS_FILE_SETTING
from tests.spider_helpers import TEST_SALT, make_crawler


def _close(tmp_path: Path, **settings: object) -> Path:
    stats_file = tmp_path / "stats.json"
    crawler = make_crawler(JsonLdSpider, url="https://shop.example/r", brand="Bestelhuis", source="jsonld-shop",
                           extra_settings={STATS_FILE_SETTING: str(stats_file), **settings})
    assert crawler.stats is not None
    crawler.stats.open_spider()
    crawler.stats.inc_value("klantstem/pages_fetched")
    crawler.signals.send_catch_log(signals.spider_closed, spider=crawler.spider, reason="finished")
    return stats_file


def test_the_project_settings_enable_the_stats_extension() -> None:
    assert project_settings.EXTENSIONS == {"spiders.stats.CrawlStatsWriter": 500}


def test_closing_the_spider_writes_the_stats_file_with_its_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    summary = json.loads(_close(tmp_path).read_text(encoding="utf-8"))
    assert (summary["spider"], summary["brand"], summary["source"], summary["url"]) == (
        "jsonld", "Bestelhuis", "jsonld-shop", "https://shop.example/r")
    assert (summary["pages_fetched"], summary["finish_reason"], summary["first_crawl"]) == (1, "finished", True)


def test_without_the_extension_no_stats_file_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    assert not _close(tmp_path, EXTENSIONS={}).exists()
