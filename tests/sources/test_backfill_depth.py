"""A first crawl that stops at max_pages says how deep it went, instead of a plain 'ok'."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.summary import RunSummary, SourceReport, depth_note
from klantstem.demo.server import DemoServer
from klantstem.demo.site import BRANDS, source_url
from tests.spider_helpers import run_crawl

SNELKOOP = BRANDS[0]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer(today=date(2026, 11, 20)) as server:
        yield server


def test_a_first_crawl_cut_by_max_pages_reports_pages_reviews_and_the_total(demo: DemoServer, tmp_path: Path) -> None:
    listing = demo.site.listing(SNELKOOP, "trustpilot")
    crawl = run_crawl("trustpilot", source_url(demo.base_url, SNELKOOP, "trustpilot"), tmp_path, max_pages=2)
    assert crawl.returncode == 0, crawl.stderr
    stats = crawl.stats
    assert stats is not None and stats["error"] is None
    assert (stats["stop_reason"], stats["first_crawl"], stats["total_available"]) == ("max_pages", True, len(listing))
    assert depth_note(stats, 2) == f"backfilled 2 pages, 40 of {len(listing):,} reviews; raise `max_pages` (now 2) to go further"


def test_a_later_crawl_cut_before_the_stored_reviews_warns_of_a_gap(demo: DemoServer, tmp_path: Path) -> None:
    listing = demo.site.listing(SNELKOOP, "trustpilot")
    crawl = run_crawl("trustpilot", source_url(demo.base_url, SNELKOOP, "trustpilot"), tmp_path, max_pages=1,
                      seen_ids=[listing[-1].id])
    assert crawl.stats is not None and crawl.stats["first_crawl"] is False
    assert "reviews in between may be missing" in (depth_note(crawl.stats, 1) or "")


def test_complete_crawls_get_no_note() -> None:
    assert depth_note({"stop_reason": "last_page", "first_crawl": True}, 50) is None
    assert depth_note({"stop_reason": "seen", "first_crawl": False}, 50) is None


def test_the_run_summary_shows_the_note_under_the_source() -> None:
    note = "backfilled 50 pages, 1,000 of 1,030 reviews; raise `max_pages` (now 50) to go further"
    summary = RunSummary("r1", date(2026, 11, 20), [SourceReport("Voorbeeldbank", "trustpilot", "https://x", "ok", pages=50,
                                                                 new=1000, note=note)], "m", 0, [])
    lines = summary.render().splitlines()
    row = next(i for i, line in enumerate(lines) if "Voorbeeldbank" in line)
    assert lines[row + 1] == f"    note: {note}"
