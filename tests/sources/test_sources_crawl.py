"""Real ``scrapy crawl`` runs of every new spider against the loopback imitation of its source.

What each source must deliver: contract rows (validated like the warehouse does), paging
by the source's own cursor until the last page, the incremental stop at the first page
holding a stored id, only posts that mention the brand, and every failure (403, 401,
unknown app, changed markup, refused login) as one clear line in the stats file that the
run summary reads. The crawls run side by side when the module starts (each is its own
process, as in the flow); the tests then read their results.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flows.crawl import CrawlFailed, CrawlJob
from flows.crawl import run_crawl as flow_run_crawl
from klantstem.config import CrawlConfig, parse_config
from klantstem.privacy import pseudonymise
from tests.source_fixtures import (
    APPSTORE_APP,
    BLUESKY_HANDLE,
    BLUESKY_PASSWORD,
    FIXTURE_SETTINGS,
    KIYOH_PATH,
    KIYOH_REVIEWS,
    MASTODON_TOKEN,
    PLAY_APP,
    PLAY_REVIEWS,
    SourceFixtureServer,
    appstore_reviews,
    corpus,
    json_list,
    kiyoh_reviews,
    mastodon_statuses,
    play_reviews,
)
from tests.spider_helpers import TEST_SALT, CrawlResult, run_crawl
from warehouse.staging import validate_row

REPO = Path(__file__).resolve().parents[2]
CONTRACT_FIELDS = [
    "source", "brand", "external_id", "url", "kind", "published_at", "title", "text", "rating",
    "rating_min", "rating_max", "rating_normalised", "language", "author", "reply", "reply_at", "reply_author", "fetched_at",
    "provenance", "verification", "provenance_raw",
]  # fmt: skip
POSTS = corpus()["posts"]
JUMBO = {"keywords": json_list(["Jumbo"]), "exclude": json_list(["Jumbo Jet"])}
SNELKOOP = {"keywords": json_list(["Snelkoop", "snelkoop.nl"])}
BLUESKY_LOGIN = {"BLUESKY_HANDLE": BLUESKY_HANDLE, "BLUESKY_APP_PASSWORD": BLUESKY_PASSWORD}


def about(brand: str) -> list[str]:
    return [p["id"] for p in POSTS if brand in p["brands"]]


@dataclass
class Plan:
    spider: str
    path: str  # appended to the server's base URL
    brand: str = "Snelkoop"
    args: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    seen_ids: list[str] | None = None
    max_pages: int | None = None


def plans(base: str) -> dict[str, Plan]:
    """One real crawl per source; error pages and incremental stops of single pages are
    tested in process (test_sources_parsing.py), 429s in test_sources_politeness.py."""
    return {
        "appstore": Plan("appstore", "", args={"app_id": APPSTORE_APP}),
        "googleplay": Plan("googleplay", "", args={"app_id": PLAY_APP}),
        "reddit": Plan(
            "reddit",
            "",
            brand="Jumbo",
            args={"subreddits": json_list(["thenetherlands", "besloten"]), **JUMBO},
            seen_ids=["t1_p06c"],
        ),
        # the instance without public previews, read with a token: timelines and search
        "mastodon": Plan(
            "mastodon",
            "/gesloten",
            args={"hashtags": json_list(["snelkoop", "webwinkel"]), "query": "Snelkoop", **SNELKOOP},
            env={"MASTODON_ACCESS_TOKEN": MASTODON_TOKEN},
        ),
        "bluesky": Plan("bluesky", "", args=SNELKOOP, env=BLUESKY_LOGIN),
        "bluesky-no-account": Plan("bluesky", "/nergens", args=SNELKOOP),
        "kiyoh": Plan("kiyoh", f"{KIYOH_PATH}?lang=nl&limit=10"),
        "rss": Plan(
            "rss",
            "/feeds/economie.xml",
            brand="Jumbo",
            args={"feeds": json_list([f"{base}/feeds/tech.atom", f"{base}/feeds/kapot.xml"]), **JUMBO},
        ),
    }


@pytest.fixture(scope="module")
def server() -> Iterator[SourceFixtureServer]:
    with SourceFixtureServer() as running:
        yield running


@pytest.fixture(scope="module")
def runs(server: SourceFixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CrawlResult]:
    root = tmp_path_factory.mktemp("source-crawls")
    todo = plans(server.base_url)

    def run(name: str) -> CrawlResult:
        plan = todo[name]
        return run_crawl(
            plan.spider,
            server.base_url + plan.path,
            root / name,
            brand=plan.brand,
            args=plan.args,
            env=plan.env,
            seen_ids=plan.seen_ids,
            max_pages=plan.max_pages,
            settings=FIXTURE_SETTINGS,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(todo, pool.map(run, todo), strict=True))


def stats(result: CrawlResult) -> dict[str, Any]:
    assert result.stats is not None, result.stderr[-3000:]
    return result.stats


def ids(result: CrawlResult) -> list[str]:
    return [item["external_id"] for item in result.items]


# ----------------------------------------------------------------- every source


@pytest.mark.parametrize("name", ["appstore", "googleplay", "reddit", "mastodon", "bluesky", "kiyoh", "rss"])
def test_every_source_writes_contract_rows_the_warehouse_accepts(runs, name):
    result = runs[name]
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.items, f"{name} delivered nothing"
    for item in result.items:
        assert list(item) == CONTRACT_FIELDS
        validate_row(item)
        assert "<" not in item["text"] and "&amp;" not in item["text"]
        assert item["published_at"].endswith("+00:00")
    assert stats(result)["items_scraped"] == len(result.items)


def test_scrapy_list_from_the_repo_root_finds_the_project_via_scrapy_cfg_and_shows_every_spider():
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert listed.stdout.split() == [
        "appstore",
        "bluesky",
        "google_business",
        "google_places",
        "googleplay",
        "jsonld",
        "kiyoh",
        "mastodon",
        "reddit",
        "rss",
        "trustpilot",
    ], listed.stderr


# ----------------------------------------------------------------------- App Store


def test_appstore_reads_all_pages_skips_the_app_entry_and_handles_a_single_entry_page(runs):
    result = runs["appstore"]
    assert ids(result) == [e["id"]["label"] for e in appstore_reviews()]  # 50 + 50 + 1, newest first
    assert {k: stats(result)[k] for k in ("pages_fetched", "stop_reason", "error")} == {
        "pages_fetched": 3,
        "stop_reason": "last_page",
        "error": None,
    }
    first = result.items[0]
    assert (first["rating"], first["rating_min"], first["rating_max"], first["rating_normalised"]) == (
        5.0,
        1.0,
        5.0,
        1.0,
    )
    assert first["author"] == pseudonymise(TEST_SALT, "appstore", "Appgebruiker 1")
    assert first["url"] == f"https://apps.apple.com/nl/app/id{APPSTORE_APP}?see-all=reviews"


# --------------------------------------------------------------------- Google Play


def test_google_play_pages_with_the_token_in_post_bodies(runs, server):
    result = runs["googleplay"]
    assert ids(result) == [r[0] for r in play_reviews()]
    assert (stats(result)["pages_fetched"], stats(result)["stop_reason"]) == (3, "last_page")  # 10 + 10 + 5
    assert len(result.items) == PLAY_REVIEWS
    replied = [i for i in result.items if i["reply"]]
    assert replied and all(i["rating"] <= 2 for i in replied)
    posts = [h for h in server.requests_to("/_/PlayStoreUi/data/batchexecute") if h.method == "POST"]
    assert any("page-1" in h.body for h in posts) and any("page-2" in h.body for h in posts)


# -------------------------------------------------------------------------- Reddit


def test_reddit_keeps_posts_and_comments_about_the_brand_and_stops_each_listing_on_its_own(runs):
    result = runs["reddit"]
    comments_on_first_page = [p["id"] for p in POSTS[:8] if "Jumbo" in p["brands"] and p["id"] != "p06"]
    expected = {f"t3_{p}x" for p in about("Jumbo")} | {f"t1_{p}c" for p in comments_on_first_page}
    assert set(ids(result)) == expected
    assert {i["kind"] for i in result.items} == {"post", "comment"}
    summary = stats(result)
    # t1_p06c is stored already: the comments listing ends with its first page
    assert summary["stop_reasons"] == {"r/thenetherlands new": "last_page", "r/thenetherlands comments": "seen"}
    assert (summary["pages_fetched"], summary["items_seen"]) == (4, 1)  # 20 posts, 8 per page; 1 comment page
    assert summary["brand_filter"] == {
        "matched": len(expected) + 1,
        "excluded": 2,
        "no_keyword": 28 - len(expected) - 1 - 2,
    }


def test_reddit_private_subreddit_is_reported_while_the_others_are_kept(runs, server):
    errors = stats(runs["reddit"])["errors"]
    assert len(errors) == 2 and all("HTTP 403: the subreddit is private" in e for e in errors)
    listing = server.requests_to("/r/thenetherlands/new.json")
    assert listing[0].target == "/r/thenetherlands/new.json?limit=100&raw_json=1"
    assert all("raw_json=1" in h.target for h in listing) and any("after=t3_" in h.target for h in listing)


# ------------------------------------------------------------------------ Mastodon


def test_mastodon_reads_hashtag_timelines_and_search_with_a_token_and_drops_duplicates(runs, server):
    result = runs["mastodon"]
    snelkoop = {
        s["uri"] for s, p in zip(mastodon_statuses("snelkoop"), POSTS, strict=True) if "Snelkoop" in p["brands"]
    }
    assert set(ids(result)) == snelkoop and len(result.items) == len(snelkoop)
    summary = stats(result)
    # the same statuses under #webwinkel (3) and in the search results (4)
    assert summary["items_dropped"] == {"duplicate": 7} and summary["error"] is None
    assert summary["stop_reasons"] == {
        "#snelkoop": "last_page",
        "#webwinkel": "last_page",
        "search Snelkoop": "last_page",
    }
    pages = server.requests_to("/gesloten/api/v1/timelines/tag/snelkoop")
    assert len(pages) == 5 and all("max_id=" in h.target for h in pages[1:])  # 6 per page, then an empty one
    assert all(h.headers["authorization"] == f"Bearer {MASTODON_TOKEN}" for h in pages)
    assert {i["language"] for i in result.items} == {"nl"}
    assert all("<p>" not in i["text"] for i in result.items)


# ------------------------------------------------------------------------- Bluesky


def test_bluesky_logs_in_then_searches_each_keyword(runs, server):
    result = runs["bluesky"]
    assert set(ids(result)) == {
        f"at://did:plc:fixture{int(p[1:]) - 1:04d}/app.bsky.feed.post/3lfix{p}" for p in about("Snelkoop")
    }
    assert stats(result)["stop_reasons"] == {"search Snelkoop": "last_page", "search snelkoop.nl": "last_page"}
    assert all(i["url"].startswith("https://bsky.app/profile/") for i in result.items)
    searches = server.requests_to("/xrpc/app.bsky.feed.searchPosts")
    assert searches and all(h.headers["authorization"].startswith("Bearer eyJ") for h in searches)
    assert BLUESKY_PASSWORD not in result.stderr


def test_bluesky_without_an_account_is_skipped_with_a_message_and_sends_nothing(runs, server):
    result = runs["bluesky-no-account"]
    summary = stats(result)
    assert (result.returncode, result.items, summary["error"], summary["pages_fetched"]) == (0, [], None, 0)
    assert summary["skipped"].startswith("Bluesky search needs an account: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
    assert summary["skipped"] in result.stderr
    assert server.requests_to("/nergens") == []


# --------------------------------------------------------------------------- Kiyoh


def test_kiyoh_pages_by_page_number_and_normalises_marks_out_of_ten(runs):
    result = runs["kiyoh"]
    assert ids(result) == [r["reviewId"] for r in kiyoh_reviews()] and len(result.items) == KIYOH_REVIEWS
    assert (stats(result)["pages_fetched"], stats(result)["stop_reason"]) == (3, "last_page")
    for item in result.items:
        assert (item["rating_min"], item["rating_max"]) == (1.0, 10.0)
        assert item["rating_normalised"] == pytest.approx((item["rating"] - 1) / 9)


# ----------------------------------------------------------------------------- RSS


def test_rss_keeps_articles_about_the_brand_with_their_extracted_text(runs, server):
    result = runs["rss"]
    base = server.base_url
    by_url = {i["url"]: i for i in result.items}
    assert set(by_url) == {
        f"{base}/artikel/jumbo-zelfscan",
        f"{base}/artikel/jumbo-robots",
        f"{base}/premium/kerstdrukte",
        f"{base}/prive/jumbo-memo",
    }
    zelfscan = by_url[f"{base}/artikel/jumbo-zelfscan"]
    assert zelfscan["text"].startswith("In tientallen filialen van Jumbo") and "Reacties" not in zelfscan["text"]
    assert zelfscan["language"] == "nl" and zelfscan["kind"] == "post"
    # 'jumbo dozen' (lowercase) and an article body mentioning the 'Jumbo Jet' are no mentions
    assert f"{base}/artikel/jumbo-pakketten" not in by_url and f"{base}/artikel/retourbeleid" not in by_url
    assert not server.requests_to("/artikel/jumbo-pakketten") and not server.requests_to("/artikel/weer")


def test_rss_unreadable_articles_fall_back_to_the_summary_as_warnings_and_a_broken_feed_is_an_error(runs, server):
    result = runs["rss"]
    summary = stats(result)
    base = server.base_url
    assert by_text(result, f"{base}/premium/kerstdrukte") == "Volgens de Jumbo wordt het de drukste december ooit."
    assert sorted(summary["warnings"]) == [
        f"{base}/premium/kerstdrukte: article text from the feed summary: HTTP 403",
        f"{base}/prive/jumbo-memo: article text from the feed summary: Forbidden by robots.txt",
    ]
    assert not server.requests_to("/prive/")  # robots.txt obeyed for article pages too
    assert summary["errors"] == [
        f"{base}/feeds/kapot.xml: not an RSS/Atom feed "
        "(NonXMLContentType: text/html; charset=utf-8 is not an XML media type)"
    ]


def by_text(result: CrawlResult, url: str) -> str:
    return next(i["text"] for i in result.items if i["url"] == url)


# -------------------------------------------------- through the flow's crawl step


def test_the_flow_crawls_a_post_source_from_config_and_reports_pages_items_and_errors(server, tmp_path, monkeypatch):
    monkeypatch.delenv("MASTODON_ACCESS_TOKEN", raising=False)
    config = parse_config(f"""
[[brands]]
name = "Snelkoop"
keywords = ["Snelkoop", "snelkoop.nl"]
  [[brands.sources]]
  type = "mastodon"
  url = "{server.base_url}"
  hashtags = ["snelkoop"]
  [[brands.sources]]
  type = "mastodon"
  name = "mastodon-gesloten"
  url = "{server.base_url}/gesloten"
  hashtags = ["snelkoop"]
[crawl]
download_delay_s = 0
autothrottle = false
""")
    brand = config.brands[0]
    jobs = [CrawlJob.from_config(brand, source) for source in brand.sources]
    seen = tmp_path / "seen.txt"
    seen.write_text("", encoding="utf-8")
    done = flow_run_crawl(jobs[0], config.crawl, tmp_path, seen, TEST_SALT, True)
    assert (done.stats["pages_fetched"], done.stats["items_scraped"], done.stats["items_seen"]) == (5, 4, 0)
    assert done.stats["brand_filter"]["no_keyword"] == 16
    with pytest.raises(CrawlFailed, match=r"mastodon-gesloten .*/gesloten/.*HTTP 401: .*public preview disabled"):
        flow_run_crawl(jobs[1], CrawlConfig(download_delay_s=0, autothrottle=False), tmp_path, seen, TEST_SALT, True)
