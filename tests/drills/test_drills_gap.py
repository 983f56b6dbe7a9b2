"""Drill "a page that fails once": a 5-page listing whose page 3 answers 500 on the first run
only. The first run stores pages 1-2 and reports the failure; the next run must not stop at
page 1 because it holds ids the failed run stored, but page on to the end and fetch what was
missed. Paging stops only at the reviews of the last crawl that got to its end (the source's
watermark, ``warehouse.crawl_runs``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.crawl import CrawlFailed, CrawlResult, run_crawl
from flows.daily import _reports
from flows.steps import load_staged, prepare_run
from klantstem.config import CrawlConfig, load_config
from spiders.spiders.trustpilot import TrustpilotSpider
from tests.drill_helpers import report
from tests.fault_site import FaultSite, trustpilot_page
from tests.spider_helpers import TEST_SALT, make_crawler
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.crawl_runs import CrawlRun, record_crawl_runs, source_watermark
from warehouse.load import known_external_ids, upsert_mentions
from warehouse.migrate import migrate

from scrapy.http import Request, TextResponse


def _page(crawler, ids: list[str], page: int, pages: int = 5):
    reviews = [{"id": i, "text": "t", "dates": {"publishedDate": "2026-11-01T10:00:00Z"}} for i in ids]
    url = f"https://tp.example/review/x?page={page}"
    response = TextResponse(url, body=trustpilot_page(reviews, page, pages).encode(), encoding="utf-8",
                            request=Request(url))
    return crawler.spider._next_page_request(crawler.spider.parse_page(response), page)


def _ids_file(tmp_path: Path, name: str, ids: list[str]) -> str:
    path = tmp_path / name
    path.write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    return str(path)


def test_a_page_of_seen_ids_does_not_stop_paging_unless_a_complete_crawl_reached_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    seen = _ids_file(tmp_path, "seen.txt", ["a", "b"])
    gap = make_crawler(TrustpilotSpider, url="https://tp.example/review/x", brand="B",
                       seen_ids=seen, stop_ids=_ids_file(tmp_path, "stop.txt", []))
    assert _page(gap, ["a", "b"], 1) is not None, "ids stored by a failed crawl: page on"
    done = make_crawler(TrustpilotSpider, url="https://tp.example/review/x", brand="B",
                        seen_ids=seen, stop_ids=_ids_file(tmp_path, "stop2.txt", ["b"]))
    assert _page(done, ["a", "b"], 1) is None, "ids a complete crawl reached: stop"
    assert done.stats.get_value("klantstem/stop_reason") == "seen"


def test_stopping_at_max_pages_before_the_watermark_is_not_complete_and_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    from spiders.stats import build_summary

    crawler = make_crawler(TrustpilotSpider, url="https://tp.example/review/x", brand="B", max_pages=1,
                           stop_ids=_ids_file(tmp_path, "stop.txt", ["old"]))
    assert _page(crawler, ["new"], 1) is None
    summary = build_summary(crawler.stats.get_stats(), spider="trustpilot", brand="B", source="tp",
                            url="https://tp.example/review/x", reason="finished", finished_at=datetime.now(UTC))
    assert summary["complete"] is False and summary["error"] is None
    assert "stopped at max_pages=1 before reaching the reviews of the last complete crawl" in summary["warnings"][0]
    first = make_crawler(TrustpilotSpider, url="https://tp.example/review/x", brand="B", max_pages=1)
    assert _page(first, ["new"], 1) is None
    summary = build_summary(first.stats.get_stats(), spider="trustpilot", brand="B", source="tp",
                            url="https://tp.example/review/x", reason="finished", finished_at=datetime.now(UTC))
    assert summary["complete"] is True, "a first crawl has no watermark to reach"


def _run(source: str, started: datetime, *, status: str = "ok", complete: bool = True) -> CrawlRun:
    return CrawlRun(None, source, "Snelkoop", "https://x", started, started, status, 1, 1, 1, 0, 0,
                    None if status == "ok" else "HTTP 500", complete=complete)


def test_only_a_complete_crawl_moves_the_watermark_and_stop_ids_are_those_before_it(tmp_path: Path) -> None:
    t0 = datetime(2026, 11, 10, tzinfo=UTC)
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(*(row(f"r{d}", day=d) for d in range(10))))
        record_crawl_runs(con, [_run("trustpilot", t0 + timedelta(days=20), status="failed", complete=False)])
        assert source_watermark(con, "trustpilot", "Snelkoop") is None
        record_crawl_runs(con, [_run("trustpilot", t0, complete=True)])
        mark = source_watermark(con, "trustpilot", "Snelkoop")
        assert mark == t0
        record_crawl_runs(con, [_run("trustpilot", t0 + timedelta(days=30), complete=False)])
        assert source_watermark(con, "trustpilot", "Snelkoop") == t0, "a crawl cut short at max_pages"
        before = known_external_ids(con, "trustpilot", "Snelkoop", through=mark)
        published = dict(con.execute("SELECT external_id, published_at FROM mentions").fetchall())
    assert before and all(published[i] <= t0 for i in before)
    assert len(before) < len(published)


@pytest.mark.slow
def test_a_page_that_fails_once_is_fetched_by_the_next_run(tmp_path: Path) -> None:
    attempts = 3  # Scrapy's RETRY_TIMES (2) + 1: every try of run 1
    with FaultSite(flaky_page_failures=attempts) as site:
        config_path = tmp_path / "monitor.toml"
        config_path.write_text(f"""
[[brands]]
name = "Snelkoop"
  [[brands.sources]]
  type = "trustpilot"
  url = "{site.url('/review/paged')}"

[warehouse]
path = "klantstem.duckdb"
staging_dir = "staging"

[crawl]
download_delay_s = 0
autothrottle = false
timeout_s = 120
""", encoding="utf-8")
        config = load_config(config_path)
        outcomes = []
        for n in (1, 2, 3):
            plan = prepare_run(config, f"run-{n}")
            (job,) = plan.jobs
            try:
                result: CrawlResult | CrawlFailed = run_crawl(
                    job, config.crawl, plan.run_dir, plan.seen_ids_file(job), TEST_SALT, True, plan.stop_ids_file(job))
            except CrawlFailed as exc:
                result = exc
            loads = load_staged(config)

            class Done:
                def result(self, raise_on_failure: bool = True) -> CrawlResult | CrawlFailed:
                    return result

            reports, runs = _reports([job], [Done()], loads)
            with connect(config.warehouse.path) as con:
                record_crawl_runs(con, runs)
                stored = con.execute("SELECT count(*) FROM mentions").fetchall()[0][0]
            outcomes.append((reports[0], stored))
            report(f"gap drill run {n}: status {reports[0].status}, pages {reports[0].pages}, new {reports[0].new}, "
                   f"seen {reports[0].seen}, stored {stored} of 100")
    (first, after1), (second, after2), (third, after3) = outcomes
    assert (first.status, after1) == ("failed", 40) and "HTTP 500" in (first.error or "")
    assert (second.status, second.pages, second.new, after2) == ("ok", 5, 60, 100)
    # then incremental again: the recheck_pages read for new replies and edits, nothing further
    assert (third.status, third.pages, third.new, after3) == ("ok", CrawlConfig().recheck_pages, 0, 100)
