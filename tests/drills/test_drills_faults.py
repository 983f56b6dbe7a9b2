"""Drill "source faults": a loopback site answers with 429 + Retry-After, 503 bursts, no
answer at all, a redirect to a login page and robots.txt refusals. Each crawl runs as the
flow runs it (``flows.crawl.run_crawl``: a ``scrapy crawl`` subprocess with the flow's
settings), for both the Trustpilot and the JSON-LD spider. Every case ends in a per-source
status and a one-line error naming the URL, in the run summary and in ``crawl_runs``;
the whole daily flow is run over the same faults in the slow test at the end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.crawl import CrawlFailed, CrawlJob, CrawlResult, run_crawl
from flows.daily import _reports
from klantstem.config import CrawlConfig
from spiders import settings as scrapy_settings
from tests.drill_helpers import migrated, report
from tests.fault_site import FaultSite
from tests.spider_helpers import TEST_SALT
from warehouse.connection import connect
from warehouse.crawl_runs import record_crawl_runs

CRAWL = CrawlConfig(download_delay_s=0, autothrottle=False, retries=2, timeout_s=6)  # the "stall" cases
# Everything else gets room to start Scrapy on a busy machine (four crawls share the CPUs).
ROOMY = CRAWL.model_copy(update={"timeout_s": 120})
ATTEMPTS = scrapy_settings.RETRY_TIMES + 1

# (spider, case, path): the path under the fault site.
CASES = [
    ("trustpilot", "ok", "/review/ok"),
    ("trustpilot", "slowdown", "/review/slowdown"),
    ("trustpilot", "ratelimited", "/review/ratelimited"),
    ("trustpilot", "burst", "/review/burst"),
    ("trustpilot", "down", "/review/down"),
    ("trustpilot", "stall", "/review/stall"),
    ("trustpilot", "login", "/review/login"),
    ("trustpilot", "robots", "/private/review/ok"),
    ("jsonld", "ok", "/shop/ok"),
    ("jsonld", "ratelimited", "/shop/ratelimited"),
    ("jsonld", "burst", "/shop/burst"),
    ("jsonld", "stall", "/shop/stall"),
    ("jsonld", "login", "/shop/login"),
    ("jsonld", "robots", "/private/shop/ok"),
]


@dataclass
class Outcome:
    job: CrawlJob
    result: CrawlResult | CrawlFailed

    @property
    def error(self) -> str:
        assert isinstance(self.result, CrawlFailed), f"{self.job.source} did not fail: {self.result}"
        return str(self.result)


class _Future:
    """What ``flows.daily._reports`` reads from a Prefect future: ``.result(raise_on_failure=False)``."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome

    def result(self, raise_on_failure: bool = True) -> CrawlResult | CrawlFailed:
        return self.outcome.result


@dataclass
class Faults:
    site: FaultSite
    outcomes: dict[tuple[str, str], Outcome]
    db: Path


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faults]:
    base = tmp_path_factory.mktemp("faults")
    run_dir = base / "staging" / "run-1"
    run_dir.mkdir(parents=True)
    seen = run_dir / "seen.txt"
    seen.write_text("", encoding="utf-8")
    with FaultSite() as site:
        jobs = [CrawlJob(f"Merk {spider}", f"{spider}-{case}", spider, site.url(path), 3) for spider, case, path in CASES]

        def crawl(job: CrawlJob) -> CrawlResult | CrawlFailed:
            try:
                return run_crawl(job, CRAWL if job.source.endswith("-stall") else ROOMY, run_dir, seen, TEST_SALT, True)
            except CrawlFailed as exc:
                return exc

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(crawl, jobs))
        outcomes = {(s, c): Outcome(job, r) for (s, c, _), job, r in zip(CASES, jobs, results, strict=True)}
        db = migrated(base / "klantstem.duckdb")
        reports, runs = _reports(jobs, [_Future(outcomes[(s, c)]) for s, c, _ in CASES], [])
        with connect(db) as con:
            record_crawl_runs(con, runs)
        for (spider, case, _), r in zip(CASES, reports, strict=True):
            report(f"source fault {spider}/{case}: status {r.status}, pages {r.pages}, scraped {r.scraped}"
                   + (f", error: {r.error}" if r.error else ""))
        yield Faults(site, outcomes, db)


def _row(faults: Faults, spider: str, case: str) -> dict:
    with connect(faults.db, read_only=True) as con:
        cur = con.execute("SELECT * FROM crawl_runs WHERE source = ?", [f"{spider}-{case}"])
        names = [d[0] for d in cur.description]
        (values,) = cur.fetchall()
    return dict(zip(names, values, strict=True))


@pytest.mark.parametrize("spider", ["trustpilot", "jsonld"])
def test_a_working_source_next_to_the_broken_ones_is_ok(faults: Faults, spider: str) -> None:
    outcome = faults.outcomes[(spider, "ok")]
    assert isinstance(outcome.result, CrawlResult)
    assert outcome.result.stats["items_scraped"] == 3
    staged = [json.loads(line) for line in outcome.result.staging_file.read_text(encoding="utf-8").splitlines()]
    assert len(staged) == 3
    row = _row(faults, spider, "ok")
    assert (row["status"], row["error"], row["items_scraped"]) == ("ok", None, 3)


def test_429_with_retry_after_is_waited_out_then_the_source_loads(faults: Faults) -> None:
    outcome = faults.outcomes[("trustpilot", "slowdown")]
    assert isinstance(outcome.result, CrawlResult) and outcome.result.stats["items_scraped"] == 3
    first, second = faults.site.hits["/review/slowdown"][:2]
    assert second - first >= 0.9, "the retry waited for Retry-After: 1"
    assert _row(faults, "trustpilot", "slowdown")["status"] == "ok"


@pytest.mark.parametrize(("spider", "path"), [("trustpilot", "/review/ratelimited"), ("jsonld", "/shop/ratelimited")])
def test_a_source_that_keeps_saying_429_fails_naming_the_url_and_the_rate_limit(faults: Faults, spider: str, path: str) -> None:
    error = faults.outcomes[(spider, "ratelimited")].error
    assert faults.site.url(path) in error
    assert "HTTP 429" in error and "rate limited" in error and "Retry-After 1 s" in error
    assert len(faults.site.hits[path]) == ATTEMPTS
    row = _row(faults, spider, "ratelimited")
    assert row["status"] == "failed" and "HTTP 429" in row["error"]


@pytest.mark.parametrize(("spider", "path"), [("trustpilot", "/review/burst"), ("jsonld", "/shop/burst")])
def test_a_503_burst_is_retried_and_the_source_loads(faults: Faults, spider: str, path: str) -> None:
    outcome = faults.outcomes[(spider, "burst")]
    assert isinstance(outcome.result, CrawlResult) and outcome.result.stats["items_scraped"] == 3
    assert len(faults.site.hits[path]) == 3
    assert _row(faults, spider, "burst")["status"] == "ok"


def test_a_source_that_stays_503_fails_with_the_status(faults: Faults) -> None:
    error = faults.outcomes[("trustpilot", "down")].error
    assert faults.site.url("/review/down") in error and "HTTP 503" in error
    assert len(faults.site.hits["/review/down"]) == ATTEMPTS
    assert _row(faults, "trustpilot", "down")["status"] == "failed"


@pytest.mark.parametrize("spider", ["trustpilot", "jsonld"])
def test_a_source_that_never_answers_is_killed_at_the_crawl_timeout(faults: Faults, spider: str) -> None:
    outcome = faults.outcomes[(spider, "stall")]
    assert outcome.error == f"{spider}-stall {outcome.job.url}: crawl killed after {CRAWL.timeout_s:.0f} s"
    row = _row(faults, spider, "stall")
    assert row["status"] == "failed" and "crawl killed after" in row["error"]


@pytest.mark.parametrize("spider", ["trustpilot", "jsonld"])
def test_a_redirect_to_a_login_page_is_an_error_naming_both_urls_not_zero_reviews(faults: Faults, spider: str) -> None:
    outcome = faults.outcomes[(spider, "login")]
    error = outcome.error
    assert error.startswith(f"{spider}-login") and "\n" not in error
    assert faults.site.url("/login?next=") in error, "names the page it landed on"
    row = _row(faults, spider, "login")
    assert row["status"] == "failed" and row["items_scraped"] == 0 and "/login" in row["error"]
    assert row["url"] == outcome.job.url, "the row names the configured URL"


@pytest.mark.parametrize(("spider", "path"), [("trustpilot", "/private/review/ok"), ("jsonld", "/private/shop/ok")])
def test_robots_txt_disallow_is_obeyed_and_reported(faults: Faults, spider: str, path: str) -> None:
    error = faults.outcomes[(spider, "robots")].error
    requested = faults.site.url(path) + ("?sort=recency" if spider == "trustpilot" else "")  # newest first
    assert error.endswith(f"{requested}: Forbidden by robots.txt")
    assert path not in faults.site.hits, "the page itself was never requested"
    assert "/robots.txt" in faults.site.hits
    assert _row(faults, spider, "robots")["status"] == "failed"


def test_every_fault_has_one_crawl_runs_row_with_a_status(faults: Faults) -> None:
    with connect(faults.db, read_only=True) as con:
        rows = con.execute("SELECT source, status, error IS NULL FROM crawl_runs ORDER BY source").fetchall()
    assert len(rows) == len(CASES)
    assert all((status == "ok") == no_error for _, status, no_error in rows)
    ok = {source for source, status, _ in rows if status == "ok"}
    assert ok == {"trustpilot-ok", "trustpilot-slowdown", "trustpilot-burst", "jsonld-ok", "jsonld-burst"}


FLOW_SOURCES = [("trustpilot", "ok", "/review/ok"), ("trustpilot", "slowdown", "/review/slowdown"),
                ("trustpilot", "ratelimited", "/review/ratelimited"), ("trustpilot", "burst", "/review/burst"),
                ("trustpilot", "stall", "/review/stall"), ("trustpilot", "login", "/review/login"),
                ("jsonld", "login", "/shop/login"), ("jsonld", "robots", "/private/shop/ok")]


@pytest.mark.slow
def test_the_daily_flow_reports_every_fault_per_source_and_loads_the_rest(
    prefect_harness: None, tmp_path: Path
) -> None:
    from flows.daily import daily_monitoring
    from tests.sentiment_helpers import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny")
    with FaultSite() as site:
        sources = "".join(
            f'  [[brands.sources]]\n  type = "{spider}"\n  name = "{spider}-{case}"\n  url = "{site.url(path)}"\n'
            for spider, case, path in FLOW_SOURCES
        )
        config = tmp_path / "monitor.toml"
        config.write_text(
            f'[[brands]]\nname = "Merk"\nown = true\n{sources}\n'
            '[warehouse]\npath = "klantstem.duckdb"\nstaging_dir = "staging"\n'
            "[crawl]\ndownload_delay_s = 0\nautothrottle = false\nretries = 0\ntimeout_s = 25\n"
            f'[sentiment]\nmodel = "{model}"\n',
            encoding="utf-8",
        )
        summary = daily_monitoring(config_path=str(config))
    status = {s.source: s for s in summary.sources}
    expected_ok = {"trustpilot-ok", "trustpilot-slowdown", "trustpilot-burst"}
    assert {k for k, s in status.items() if s.status == "ok"} == expected_ok
    for name, s in status.items():
        if name not in expected_ok:  # one line naming the source and the URL that failed
            assert s.status == "failed" and s.error and s.error.startswith(name) and site.base_url in s.error, (name, s.error)
    assert "crawl killed after 25 s" in (status["trustpilot-stall"].error or "")
    assert "rate limited" in (status["trustpilot-ratelimited"].error or "")
    assert "/login?next=" in (status["jsonld-login"].error or "")
    assert "Forbidden by robots.txt" in (status["jsonld-robots"].error or "")
    text = summary.render()
    assert f"{len(FLOW_SOURCES) - len(expected_ok)} source(s) failed; the others were loaded." in text
    with connect(tmp_path / "klantstem.duckdb", read_only=True) as con:
        rows = dict(con.execute("SELECT source, status FROM crawl_runs").fetchall())
        stored = con.execute("SELECT count(*), count(sentiment) FROM mentions_scored").fetchall()[0]
    assert rows == {name: s.status for name, s in status.items()}
    assert stored == (9, 9), "three working sources, three reviews each, all scored"
    report(f"source faults through the daily flow: {len(expected_ok)} ok, {len(rows) - len(expected_ok)} failed "
           f"with errors naming their URLs; {stored[0]} mentions loaded and scored; crawl_runs matches the summary")
