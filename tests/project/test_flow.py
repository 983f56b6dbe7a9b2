"""The daily flow end to end, under a real (temporary) Prefect API, against the demo site on
loopback: every review is stored once, scored, failing sources are retried and reported
while the others load, and a re-run adds nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.daily import daily_monitoring
from flows.summary import RunSummary
from klantstem.config import CrawlConfig
from klantstem.demo.server import DemoServer
from klantstem.demo.site import demo_config_toml
from klantstem.privacy import SALT_FILE_NAME
from spiders import settings as scrapy_settings
from tests.sentiment_helpers import build_tiny_model
from warehouse.connection import connect

pytestmark = pytest.mark.slow

FAULTY_SOURCES = """
[[brands]]
name = "Kapotwinkel"
  [[brands.sources]]
  type = "trustpilot"
  name = "broken-site"
  url = "{base}/review/broken.example"
  [[brands.sources]]
  type = "trustpilot"
  name = "malformed-site"
  url = "{base}/review/malformed.example"
  [[brands.sources]]
  type = "bluesky"             # no credentials in the environment: skipped, not failed
  url = "{base}"
"""


@dataclass
class Runs:
    server: DemoServer
    moved: DemoServer  # the same site on another port, crawled by the second run
    config_path: Path
    first: RunSummary
    second: RunSummary

    @property
    def db(self) -> Path:
        return self.config_path.parent / "klantstem.duckdb"

    def sql(self, query: str) -> list[tuple]:
        with connect(self.db, read_only=True) as con:
            return con.execute(query).fetchall()


@pytest.fixture(scope="module")
def runs(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    assert "BLUESKY_HANDLE" not in os.environ
    model = build_tiny_model(tmp_path_factory.mktemp("model") / "tiny")
    data_dir = tmp_path_factory.mktemp("demo")
    config_path = data_dir / "monitor.toml"

    def write_config(server: DemoServer) -> None:
        text = demo_config_toml(server.base_url, data_dir=".")
        text = text.replace("autothrottle = false", "autothrottle = false\nretries = 1\nretry_delay_s = 0.1")
        text += FAULTY_SOURCES.format(base=server.base_url)
        text += f'\n[sentiment]\nmodel = "{model}"\n'
        config_path.write_text(text, encoding="utf-8")

    # The second run sees the same site on another port, as `klantstem demo` does each time.
    with DemoServer() as server, DemoServer() as moved:
        write_config(server)
        first = daily_monitoring(config_path=str(config_path))
        write_config(moved)
        second = daily_monitoring(config_path=str(config_path))
        yield Runs(server, moved, config_path, first, second)


def _expected_ids(server: DemoServer) -> dict[tuple[str, str], set[str]]:
    site = server.site
    return {
        (brand.name, channel): {r.id for r in site.listing(brand, channel)}
        for brand in site.brands
        for channel in brand.daily_reviews
    }


def test_every_demo_review_is_stored_exactly_once(runs: Runs) -> None:
    stored = runs.sql("SELECT brand, source, count(*), count(DISTINCT external_id) FROM mentions GROUP BY ALL")
    expected = _expected_ids(runs.server)
    assert {(b, s): n for b, s, n, _ in stored} == {key: len(ids) for key, ids in expected.items()}
    assert all(n == distinct for *_, n, distinct in stored)
    trustpilot_ids = {r[0] for r in runs.sql("SELECT external_id FROM mentions WHERE brand = 'Snelkoop' AND source = 'trustpilot'")}
    assert trustpilot_ids == expected[("Snelkoop", "trustpilot")]


def test_every_mention_is_scored_by_the_configured_model(runs: Runs) -> None:
    ((unscored, models),) = runs.sql("SELECT count(*) FILTER (WHERE sentiment IS NULL), list(DISTINCT model_id) FROM mentions_scored")
    assert unscored == 0
    assert models == [runs.first.model_id]
    assert runs.first.scored == runs.sql("SELECT count(*) FROM mentions")[0][0]


def test_failing_sources_are_retried_reported_and_do_not_stop_the_others(runs: Runs) -> None:
    status = {s.source: s for s in runs.first.sources}
    assert status["broken-site"].status == "failed"
    assert "/review/broken.example" in (status["broken-site"].error or "")
    assert "HTTP 500" in (status["broken-site"].error or "")
    assert status["malformed-site"].status == "failed"
    assert "__NEXT_DATA__" in (status["malformed-site"].error or "")
    assert {s.status for s in runs.first.sources if s.brand != "Kapotwinkel"} == {"ok"}
    assert status["bluesky"].status == "skipped"
    assert "BLUESKY_HANDLE" in (status["bluesky"].error or "")
    # Prefect retried the crawl once (retries = 1): twice Scrapy's own attempts at the page.
    attempts_per_crawl = scrapy_settings.RETRY_TIMES + 1
    for server in (runs.server, runs.moved):
        assert server.requested_paths.count("/review/broken.example?sort=recency") == 2 * attempts_per_crawl
    assert "1 source(s) failed" not in runs.first.render()
    assert "2 source(s) failed; the others were loaded." in runs.first.render()


def test_crawl_runs_table_keeps_the_history_of_each_source(runs: Runs) -> None:
    rows = runs.sql("SELECT source, brand, status, error IS NOT NULL, items_new FROM crawl_runs ORDER BY crawl_run_id")
    assert len(rows) == 2 * len(runs.first.sources)
    assert {r[0] for r in rows if r[2] == "skipped"} == {"bluesky"}
    failed = [r for r in rows if r[2] == "failed"]
    assert {r[0] for r in failed} == {"broken-site", "malformed-site"}
    assert all(r[3] for r in failed)
    first_run_new = sum(r[4] for r in rows[: len(runs.first.sources)])
    assert first_run_new == runs.sql("SELECT count(*) FROM mentions")[0][0]


def test_a_rerun_on_another_port_stores_nothing_twice_and_stops_paging_at_known_reviews(runs: Runs) -> None:
    assert sum(s.new for s in runs.second.sources) == 0
    assert runs.second.scored == 0
    ok = [s for s in runs.second.sources if s.status == "ok"]
    assert len(ok) == sum(len(b.daily_reviews) for b in runs.server.site.brands), "every demo source"
    # [crawl] recheck_pages are read for new replies and edits, then paging stops at known reviews
    assert all(s.pages == CrawlConfig().recheck_pages for s in ok), [(s.source, s.pages) for s in ok]
    assert sum(s.seen for s in ok) > 0
    assert runs.sql("SELECT count(*) = count(DISTINCT (source, external_id)) FROM mentions") == [(True,)]


def test_staged_files_are_removed_once_loaded(runs: Runs) -> None:
    staging = runs.config_path.parent / "staging"
    assert list(staging.glob("*/*.jsonl")) == []
    assert list(staging.glob("*/*.log")), "crawl logs stay for debugging"


def test_authors_are_pseudonymised_and_the_salt_stays_out_of_the_warehouse(runs: Runs) -> None:
    raw_names = {r.author for r in runs.server.site.reviews}
    stored = {r[0] for r in runs.sql("SELECT DISTINCT author FROM mentions WHERE author IS NOT NULL")}
    assert stored and not stored & raw_names
    assert all(len(a) == 16 for a in stored)
    salt = (runs.config_path.parent / SALT_FILE_NAME).read_text().strip()
    assert salt.encode() not in runs.db.read_bytes()


def test_the_summary_names_each_brand_and_source(runs: Runs) -> None:
    text = runs.first.render()
    for brand in ("Snelkoop *", "Winkelwagen", "Bestelhuis", "Kapotwinkel"):
        assert brand in text
    assert "error: " in text
