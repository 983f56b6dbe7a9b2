"""monitor.toml for the new sources: each type's own fields, defaults and one-line errors,
and how the flow turns them into ``scrapy crawl -a`` arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.crawl import CrawlJob, scrapy_command
from klantstem.config import KEYWORD_SOURCE_TYPES, ConfigError, CrawlConfig, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]


def config_with(source: str, brand: str = 'name = "Snelkoop"\nkeywords = ["Snelkoop", "snelkoop.nl"]') -> str:
    return f"[[brands]]\n{brand}\n  [[brands.sources]]\n{source}\n"


def only_source(text: str):
    return parse_config(text).brands[0].sources[0]


@pytest.mark.parametrize(
    ("source", "url", "arguments"),
    [
        (
            'type = "appstore"\napp_id = "1234567890"',
            "https://itunes.apple.com/",
            {"app_id": "1234567890", "country": "nl"},
        ),
        (
            'type = "appstore"\napp_id = "1234567890"\ncountry = "be"',
            "https://itunes.apple.com/",
            {"app_id": "1234567890", "country": "be"},
        ),
        (
            'type = "googleplay"\napp_id = "nl.snelkoop.app"',
            "https://play.google.com/",
            {"app_id": "nl.snelkoop.app", "country": "nl", "language": "nl"},
        ),
        (
            'type = "reddit"\nsubreddits = ["r/thenetherlands", "nederlands"]',
            "https://www.reddit.com/",
            {"subreddits": '["thenetherlands", "nederlands"]'},
        ),
        (
            'type = "mastodon"\nurl = "https://mastodon.nl"\nhashtags = ["#snelkoop", "webwinkel"]',
            "https://mastodon.nl/",
            {"hashtags": '["snelkoop", "webwinkel"]'},
        ),
        ('type = "bluesky"', "https://bsky.social/", {}),
        (
            'type = "bluesky"\nquery = "snelkoop retour"\nlanguage = "nl"',
            "https://bsky.social/",
            {"query": "snelkoop retour", "language": "nl"},
        ),
        (
            'type = "rss"\nfeeds = ["https://news.example/economie.xml", "https://tech.example/feed"]',
            "https://news.example/economie.xml",
            {"feeds": '["https://news.example/economie.xml", "https://tech.example/feed"]'},
        ),
        (
            'type = "kiyoh"\nurl = "https://www.kiyoh.com/reviews/1047385/snelkoop?lang=nl"',
            "https://www.kiyoh.com/reviews/1047385/snelkoop?lang=nl",
            {},
        ),
    ],
)
def test_each_source_type_with_its_defaults_and_spider_arguments(source, url, arguments):
    parsed = only_source(config_with(source))
    assert str(parsed.url) == url
    assert parsed.spider_arguments() == arguments


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('type = "appstore"', "app_id: required for type 'appstore'"),
        ('type = "appstore"\napp_id = "snelkoop"', "app_id: required for type 'appstore'"),
        ('type = "googleplay"\napp_id = "snelkoop app"', "app_id: required for type 'googleplay'"),
        ('type = "reddit"', "subreddits: required for type 'reddit'"),
        ('type = "reddit"\nsubreddits = ["r/thenether lands"]', "subreddits: Value error, not a subreddit name"),
        ('type = "mastodon"\nurl = "https://mastodon.nl"', "hashtags: required for type 'mastodon' (or query)"),
        ('type = "mastodon"\nhashtags = ["snelkoop"]', "url: required for type 'mastodon'"),
        (
            'type = "mastodon"\nurl = "https://mastodon.nl"\nhashtags = ["snel koop"]',
            "hashtags: Value error, not a hashtag",
        ),
        ('type = "rss"', "url (or feeds): required for type 'rss'"),
        ('type = "kiyoh"', "url: required for type 'kiyoh'"),
        ('type = "appstore"\napp_id = "1"\ncountry = "NL"', "country: String should match pattern"),
        (
            'type = "trustpilot"\nurl = "https://tp.example/review/x"\nsubreddits = ["x1"]',
            "subreddits: not used by type 'trustpilot' (only by reddit)",
        ),
        ('type = "reddit"\nsubreddits = ["x1"]\napp_id = "1"', "app_id: not used by type 'reddit'"),
        ('type = "twitter"\nurl = "https://x.example"', "brands[0].sources[0].type"),
    ],
)
def test_missing_or_misplaced_fields_fail_in_one_line_naming_the_field(source, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(config_with(source), source="monitor.toml")
    text = str(caught.value)
    assert text.startswith("monitor.toml: brands[0].sources[0]") and message in text and "\n" not in text


def test_the_repository_monitor_toml_is_still_valid():
    assert load_config(REPO / "monitor.toml").brands


def test_post_sources_are_exactly_the_brand_filtered_spiders():
    from spiders.spiders.bluesky import BlueskySpider
    from spiders.spiders.mastodon import MastodonSpider
    from spiders.spiders.reddit import RedditSpider
    from spiders.spiders.rss import RssSpider

    assert {cls.name for cls in (RedditSpider, MastodonSpider, RssSpider, BlueskySpider) if cls.brand_filter} == set(
        KEYWORD_SOURCE_TYPES
    )


def test_the_flow_passes_type_fields_and_brand_keywords_as_spider_arguments(tmp_path):
    brand_lines = 'name = "Jumbo"\nkeywords = ["Jumbo", "jumbo.nl"]\nexclude = ["Jumbo Jet"]'
    config = parse_config(config_with('type = "reddit"\nsubreddits = ["thenetherlands"]', brand_lines))
    job = CrawlJob.from_config(config.brands[0], config.brands[0].sources[0])
    command = scrapy_command(job, CrawlConfig(), tmp_path / "o.jsonl", tmp_path / "seen.txt", tmp_path / "s.json")
    arguments = dict(command[i + 1].split("=", 1) for i, part in enumerate(command) if part == "-a")
    assert json.loads(arguments["subreddits"]) == ["thenetherlands"]
    assert json.loads(arguments["keywords"]) == ["Jumbo", "jumbo.nl"]
    assert json.loads(arguments["exclude"]) == ["Jumbo Jet"]
    assert (arguments["url"], arguments["brand"], arguments["source"]) == ("https://www.reddit.com/", "Jumbo", "reddit")


def test_review_sources_get_no_keyword_arguments_and_a_brand_without_keywords_uses_its_name(tmp_path):
    config = parse_config(config_with('type = "appstore"\napp_id = "1"', 'name = "Bestelhuis"'))
    job = CrawlJob.from_config(config.brands[0], config.brands[0].sources[0])
    assert dict(job.arguments) == {"app_id": "1", "country": "nl"}
    posts = parse_config(config_with('type = "bluesky"', 'name = "Bestelhuis"'))
    assert dict(CrawlJob.from_config(posts.brands[0], posts.brands[0].sources[0]).arguments) == {
        "keywords": '["Bestelhuis"]'
    }
