"""A changed source format is reported, never passed off as a quiet day.

Drift shows as items that lack a required field (dropped by validation), as entries the
spider no longer understands, as a feed cut off mid-document, or as a login wall; each
must end in the stats file's ``status``, the run summary and ``crawl_runs``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from flows.crawl import CrawlJob, CrawlResult
from flows.daily import _reports
from flows.summary import RunSummary
from spiders import PageParseError
from spiders.drift import assess
from spiders.spiders import appstore, kiyoh, rss, trustpilot
from spiders.stats import build_summary
from tests.spider_helpers import make_crawler
from warehouse.connection import connect
from warehouse.crawl_runs import record_crawl_runs
from warehouse.migrate import migrate

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"
STARTED = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def page(url: str, body: str | bytes, *, page_no: int = 1, cls: type[TextResponse] = TextResponse) -> TextResponse:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return cls(url, body=raw, encoding="utf-8", request=Request(url, cb_kwargs={"page": page_no, "listing": None}))


# ----------------------------------------------------------------- the rule itself


@pytest.mark.parametrize(
    ("checked", "dropped", "drift", "error", "expected"),
    [
        (50, {}, [], None, ("ok", None)),
        (50, {"missing_published_at": 47}, [], None,
         ("degraded", "47 of 50 reviews lack published_at: the page format changed?")),
        (50, {"missing_published_at": 50}, [], None,
         ("failed", "50 of 50 reviews lack published_at: the page format changed?")),
        (3, {"missing_text": 1}, [], None, ("ok", None)),  # too few items to call 1 in 3 a trend
        (3, {"missing_text": 3}, [], None, ("failed", "3 of 3 reviews lack text: the page format changed?")),
        (50, {"missing_text": 10}, [], None, ("ok", None)),  # exactly the threshold is still ok
        (50, {"missing_text": 11, "duplicate": 30}, [], None,
         ("degraded", "11 of 50 reviews lack text: the page format changed?")),
        (50, {}, ["u: 3 of 50 App Store reviews have no im:rating: the feed format changed?"], None,
         ("degraded", "u: 3 of 50 App Store reviews have no im:rating: the feed format changed?")),
        (0, {}, [], "u: HTTP 500", ("failed", "u: HTTP 500")),
    ],
)
def test_drift_rule(checked, dropped, drift, error, expected):
    health = assess(checked=checked, dropped=dropped, drift=drift, error=error, threshold=0.2)
    assert (health.status, health.reason) == expected


def test_the_stats_file_carries_status_and_reason_and_the_threshold_is_configurable():
    stats = {"start_time": STARTED, "klantstem/checked": 50, "klantstem/dropped/missing_published_at": 15}
    summary = build_summary(stats, spider="appstore", brand="B", source="appstore", url="u", reason="finished",
                            finished_at=STARTED, drift_threshold=0.2)
    assert (summary["status"], summary["error"], summary["items_checked"]) == ("degraded", None, 50)
    assert summary["status_reason"] == "15 of 50 reviews lack published_at: the page format changed?"
    relaxed = build_summary(stats, spider="appstore", brand="B", source="appstore", url="u", reason="finished",
                            finished_at=STARTED, drift_threshold=0.5)
    assert relaxed["status"] == "ok"


# ------------------------------------------------------------- per source


def test_app_store_entry_without_rating_is_drift_not_app_metadata():
    feed = json.loads((RECORDED / "appstore_customerreviews_2020.json").read_text(encoding="utf-8"))
    for entry in feed["feed"]["entry"]:
        entry["im:stars"] = entry.pop("im:rating")  # Apple renames the key
        entry["updated"] = {"label": "2020-09-17T19:07:21-07:00"}
    spider = make_crawler(appstore.AppStoreSpider, url="https://itunes.apple.com", brand="B", app_id="1234567890").spider
    url = appstore.feed_url("https://itunes.apple.com", "nl", "1234567890", 1)
    result = spider.parse_page(page(url, json.dumps(feed)))
    assert len(result.items) == 2 and all(i.rating is None for i in result.items)
    [note] = spider.crawler.stats.get_value("klantstem/drift")
    assert note == f"{url}: 2 of 2 App Store reviews have no im:rating: the feed format changed?"


def test_app_store_reviews_the_xml_twin_cannot_date_are_drift():
    spider = make_crawler(appstore.AppStoreSpider, url="https://itunes.apple.com", brand="B", app_id="1234567890").spider
    url = appstore.feed_url("https://itunes.apple.com", "nl", "1234567890", 1)
    result = spider.parse_page(page(url, (RECORDED / "appstore_customerreviews_2020.json").read_text(encoding="utf-8")))
    [twin] = result.requests
    xml_without_dates = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>'
    items = list(twin.callback(page(twin.url, xml_without_dates), **twin.cb_kwargs))
    assert [i.published_at for i in items] == [None, None]  # yielded, so validation counts them
    [note] = spider.crawler.stats.get_value("klantstem/drift")
    assert "2 of 2 App Store reviews have no date in the JSON feed nor in its XML twin" in note


@pytest.mark.parametrize("cut", [0.5, 0.97])
def test_a_feed_cut_off_mid_document_is_an_error(cut):
    body = (RECORDED / "nu_nl_feed.xml").read_bytes()
    with pytest.raises(PageParseError, match=r"^https://www.nu.nl/rss: feed ends mid-document .*cut off in transfer\?"):
        rss.parse_feed(body[: int(len(body) * cut)], "https://www.nu.nl/rss")
    assert len(rss.parse_feed(body, "https://www.nu.nl/rss").entries) == 2


def _trustpilot_page(current: int, total: int) -> str:
    html = (RECORDED / "trustpilot_review_page.html").read_text(encoding="utf-8")
    return html.replace('"currentPage":1,', f'"currentPage":{current},').replace('"totalPages":21', f'"totalPages":{total}')


def test_trustpilot_reads_newest_first_and_stops_before_the_login_wall():
    url = "https://nl.trustpilot.com/review/www.snelkoop.nl"
    spider = make_crawler(trustpilot.TrustpilotSpider, url=url, brand="B", max_pages="50").spider
    assert spider.start_url == url + "?sort=recency"
    nine = spider.parse_page(page(spider.start_url + "&page=9", _trustpilot_page(9, 21), page_no=9, cls=HtmlResponse))
    assert nine.next_url is not None
    ten = spider.parse_page(page(spider.start_url + "&page=10", _trustpilot_page(10, 21), page_no=10, cls=HtmlResponse))
    assert (ten.next_url, ten.stop_reason, len(ten.items)) == (None, "login_wall", 2)
    [warning] = spider.crawler.stats.get_value("klantstem/warnings")
    assert "stopped at page 10 of 21: Trustpilot asks to log in beyond it" in warning
    assert spider.crawler.stats.get_value("klantstem/errors") is None


def test_trustpilot_login_page_instead_of_reviews_ends_the_backfill_without_failing():
    spider = make_crawler(trustpilot.TrustpilotSpider, url="https://nl.trustpilot.com/review/x", brand="B").spider
    login = '<html><body><form class="login-form" action="/users/connect"><input name="password"></form></body></html>'
    result = spider.parse_page(page("https://nl.trustpilot.com/review/x?page=4", login, page_no=4, cls=HtmlResponse))
    assert (result.items, result.next_url, result.stop_reason) == ([], None, "login_wall")
    assert "stopped at page 3" in spider.crawler.stats.get_value("klantstem/warnings")[0]


KIYOH_CARDS = """<html><body><div class="reviews">
<div class="review" data-review-id="r-1"><span class="reviewer-name">Klant Een</span>
  <span class="created-date" data-date="2026-11-24T10:12:00.000+01:00">24 november 2026</span>
  <span class="rating-number">8</span><h3 class="review-title">Prima service</h3>
  <div class="rating-description">Snel geleverd &amp; netjes verpakt.</div></div>
<div class="review" data-review-id="r-2" data-rating="3"><span class="created-date" data-date="2026-11-23T09:00:00.000+01:00">23 november</span>
  <div class="rating-description">Drie keer gebeld, niemand nam op.</div>
  <div class="company-response">Excuses, we bellen u terug.</div></div>
</div></body></html>"""


def test_kiyoh_company_page_review_cards():
    url = "https://www.kiyoh.com/reviews/1047385/snelkoop?lang=nl"
    found = kiyoh.extract_page(KIYOH_CARDS, url, brand="B", source="kiyoh", listing_url=url)
    first, second = found.reviews
    assert (first.external_id, first.published_at, first.rating, first.title, first.author) == (
        "r-1", "2026-11-24T10:12:00.000+01:00", "8", "Prima service", "Klant Een")
    assert first.text == "Snel geleverd & netjes verpakt."
    assert (second.rating, second.reply, second.title) == ("3", "Excuses, we bellen u terug.", None)


# ------------------------------------------------- summary, crawl_runs, flow


def _job(source: str) -> CrawlJob:
    return CrawlJob("Snelkoop", source, source, f"https://{source}.example/", 5)


def _done(stats: dict) -> SimpleNamespace:
    job = _job(stats["source"])
    result = CrawlResult(job, Path("/nonexistent"), stats, STARTED, STARTED)
    return SimpleNamespace(result=lambda raise_on_failure=False: result)


def test_drifted_sources_are_degraded_or_failed_in_the_summary_and_in_crawl_runs(tmp_path):
    ok = {"source": "trustpilot", "status": "ok", "pages_fetched": 3, "items_scraped": 60}
    degraded = {"source": "appstore", "status": "degraded", "pages_fetched": 1, "items_scraped": 3,
                "items_dropped": {"missing_published_at": 47},
                "status_reason": "47 of 50 reviews lack published_at: the page format changed?"}
    failed = {"source": "kiyoh", "status": "failed", "pages_fetched": 1, "items_scraped": 0,
              "items_dropped": {"missing_text": 20}, "status_reason": "20 of 20 reviews lack text: the page format changed?"}
    jobs = [_job(s["source"]) for s in (ok, degraded, failed)]
    reports, runs = _reports(jobs, [_done(ok), _done(degraded), _done(failed)], [])
    assert [r.status for r in reports] == ["ok", "degraded", "failed"]
    assert reports[1].error == "appstore https://appstore.example/: 47 of 50 reviews lack published_at: the page format changed?"
    summary = RunSummary("r1", date(2026, 11, 25), reports, "m", 0, [])
    text = summary.render()
    assert "note: appstore https://appstore.example/: 47 of 50 reviews lack published_at" in text
    assert "1 source(s) failed" in text and "1 source(s) degraded: their pages changed format" in text
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        record_crawl_runs(con, runs)
        stored = con.execute("SELECT source, status, error FROM crawl_runs ORDER BY crawl_run_id").fetchall()
    assert stored[1] == ("appstore", "degraded", reports[1].error)
    assert stored[2][1] == "failed" and "20 of 20 reviews lack text" in stored[2][2]


# ------------------------------------------------------------- config


CONFIG = """
[[brands]]
name = "Snelkoop"
own = true
{sources}
[crawl]
max_drop_share = 0.3
"""


def test_google_and_kiyoh_api_sources_are_configured_per_location_and_pass_their_ids_to_the_spider():
    from flows.crawl import scrapy_command
    from klantstem.config import parse_config

    config = parse_config(CONFIG.format(sources="""
  [[brands.sources]]
  type = "google_places"
  place_id = "ChIJN1t_tDeuEmsRUsoyG83frY4"
  [[brands.sources]]
  type = "google_business"
  account_id = "106312354213462784151"
  location_id = "13496478235678917645"
  [[brands.sources]]
  type = "kiyoh"
  url = "https://www.kiyoh.com"
  location_id = "1047385"
"""))
    places, business, kiyoh_api = (CrawlJob.from_config(config.brands[0], s) for s in config.brands[0].sources)
    assert (places.url, dict(places.arguments)) == (
        "https://places.googleapis.com/", {"language": "nl", "place_id": "ChIJN1t_tDeuEmsRUsoyG83frY4"})
    assert dict(business.arguments) == {"account_id": "106312354213462784151", "location_id": "13496478235678917645"}
    assert dict(kiyoh_api.arguments) == {"location_id": "1047385"}
    command = scrapy_command(places, config.crawl, Path("o.jsonl"), Path("s.txt"), Path("st.json"))
    assert "KLANTSTEM_DRIFT_THRESHOLD=0.3" in command


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('type = "google_places"', "place_id: required for type 'google_places'"),
        ('type = "google_business"\n  account_id = "1"', "account_id and location_id: required"),
        ('type = "kiyoh"\n  url = "https://www.kiyoh.com"\n  tenant_id = "98"', "tenant_id: only used with location_id"),
        ('type = "trustpilot"\n  url = "https://x.example/"\n  place_id = "ChIJN1t_tDeuEmsRUsoyG83frY4"',
         "place_id: not used by type 'trustpilot'"),
    ],
)
def test_bad_google_and_kiyoh_source_config_is_one_line_naming_the_field(source, message):
    from klantstem.config import ConfigError, parse_config

    with pytest.raises(ConfigError, match=message):
        parse_config(CONFIG.format(sources=f"  [[brands.sources]]\n  {source}\n"))


# --------------------------------------------------- a real crawl of a drifted page


@pytest.mark.slow
def test_a_crawl_of_a_drifted_page_exits_cleanly_and_reports_failed_with_the_reason(tmp_path):
    from klantstem.loopback import LoopbackServer, Reply
    from tests.spider_helpers import run_crawl

    drifted = (RECORDED / "trustpilot_review_page.html").read_text(encoding="utf-8")
    drifted = drifted.replace('"publishedDate":', '"postedOn":')  # the site renames the date key
    drifted = drifted.replace('"totalPages":21', '"totalPages":1')

    def page(request) -> Reply:  # noqa: ANN001 - a klantstem.loopback.Request
        if request.path == "/robots.txt":
            return Reply(200, "User-agent: *\nAllow: /\n", "text/plain")
        return Reply(200, drifted)

    with LoopbackServer(page) as server:
        result = run_crawl("trustpilot", f"{server.base_url}/review/www.snelkoop.nl", tmp_path / "drift")
    assert result.returncode == 0 and result.items == []
    assert result.stats is not None and result.stats["error"] is None
    assert (result.stats["status"], result.stats["status_reason"]) == (
        "failed", "2 of 2 reviews lack published_at: the page format changed?")


def test_the_dashboard_shows_each_sources_latest_health_unhealthy_first(tmp_path):
    from datetime import timedelta

    from report.data import relations, source_health
    from warehouse.crawl_runs import CrawlRun

    def run(source: str, status: str, days_ago: int, error: str | None = None) -> CrawlRun:
        at = STARTED - timedelta(days=days_ago)
        return CrawlRun("f", source, "Snelkoop", f"https://{source}.example/", at, at, status, 1, 10, 5, 0, 0, error)

    reason = "appstore https://appstore.example/: 47 of 50 reviews lack published_at: the page format changed?"
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        record_crawl_runs(con, [run("trustpilot", "ok", 2), run("trustpilot", "ok", 0),
                                run("appstore", "ok", 3), run("appstore", "degraded", 1, reason),
                                run("appstore", "degraded", 0, reason), run("kiyoh", "failed", 30, "HTTP 500"),
                                run("kiyoh", "ok", 0)])
        health = source_health(con, relations(con))
    assert health["status"] == "ok"
    assert [(r["source"], r["status"], r["unhealthy"], r["runs"]) for r in health["rows"]] == [
        ("appstore", "degraded", 2, 3), ("kiyoh", "ok", 0, 1), ("trustpilot", "ok", 0, 2)]
    assert health["rows"][0]["reason"] == reason


# ------------------------------------------------------------- the alert


def test_a_drifted_source_is_one_alert_per_episode_worse_when_it_fails_and_resolved_when_ok(tmp_path, monkeypatch):
    from datetime import timedelta

    from alerts.pipeline import run_alerts
    from klantstem.config import load_config
    from warehouse.crawl_runs import CrawlRun

    monkeypatch.delenv("KLANTSTEM_ALERT_URLS", raising=False)
    path = tmp_path / "monitor.toml"
    path.write_text('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n', encoding="utf-8")
    config = load_config(path)
    reason = "appstore https://itunes.apple.com: 47 of 50 reviews lack published_at: the page format changed?"

    def crawl(day: int, status: str, error: str | None) -> datetime:
        at = STARTED + timedelta(days=day)
        with connect(config.warehouse.path) as con:
            migrate(con)
            record_crawl_runs(con, [CrawlRun("f", "appstore", "Snelkoop", "https://itunes.apple.com", at, at, status,
                                             1, 50, 3, 0, 47, error)])
        return at + timedelta(minutes=30)

    def events(at: datetime) -> list[tuple[str, str]]:
        result = run_alerts(config, at, deliver=False)
        return [(e.event, e.describe()) for e in result.events if e.alert.rule == "source_health"]

    [(event, text)] = events(crawl(0, "degraded", reason))
    assert event == "new" and "Snelkoop/appstore source health: crawl degraded (" + reason + ")" in text
    assert [e for e, _ in events(crawl(1, "degraded", reason))] == ["update"]  # the same episode, not re-sent
    assert [e for e, _ in events(crawl(2, "failed", "appstore: HTTP 500"))] == ["worse"]
    # the next daily crawl is ok, more than recover_after_hours after the alert last fired
    assert [e for e, _ in events(crawl(3, "ok", None))] == ["recovered"]
    assert [e for e, _ in events(crawl(4, "ok", None))] == []
    with connect(config.warehouse.path, read_only=True) as con:
        stored = con.execute("SELECT rule, status, note FROM alerts").fetchall()
        messages = con.execute("SELECT title FROM alert_deliveries ORDER BY delivery_id").fetchall()
    assert stored == [("source_health", "resolved", "appstore: HTTP 500")]
    assert [t for (t,) in messages] == ["Klantstem: Snelkoop on appstore: source degraded",
                                        "Klantstem: Snelkoop on appstore: source failed (worse)",
                                        "Klantstem: Snelkoop on appstore: source health back to normal"]
