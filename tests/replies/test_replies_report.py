"""The dashboard's reply sections (issue 14): "To answer" lists the own brand's unanswered
reviews negative first, "Reply rate" compares every brand; both render in a real Chromium
(skipped when none is installed, like tests/report/test_report_browser.py)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from report.build import write_report
from report.data import BrandInfo, collect
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.replies import record_reply_settings

BRANDS = [BrandInfo("Snelkoop", True), BrandInfo("Winkelwagen")]
HOSTILE = '<img src=x onerror="window.__pwned = 1">'


def review(external_id: str, hours_ago: float, rating: int, brand: str = "Snelkoop", **extra) -> dict:
    published = (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(microsecond=0)
    return row(external_id, brand=brand, rating=rating, rating_normalised=(rating - 1) / 4,
               published_at=published.isoformat(), fetched_at=published.isoformat(), title=f"Titel {external_id}",
               **extra)


def replied(hours_ago: float, after: float) -> dict:
    return {"reply": "Excuses, we lossen het op.",
            "reply_at": (datetime.now(UTC) - timedelta(hours=hours_ago - after)).isoformat()}


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "klantstem.duckdb"
    with connect(path) as con:
        migrate(con)
        record_reply_settings(con, [("trustpilot", "Snelkoop", "trustpilot", True),
                                    ("trustpilot", "Winkelwagen", "trustpilot", False)], sla_hours=48)
        upsert_mentions(con, table(
            review("neg-old", 80, 1, text=f"Nooit geleverd {HOSTILE}"), review("pos", 90, 5), review("neg-new", 3, 2),
            review("done", 70, 1, **replied(70, 6)),
            review("w1", 60, 1, brand="Winkelwagen", **replied(60, 30)), review("w2", 50, 4, brand="Winkelwagen"),
        ))
    return path


def test_the_payload_holds_the_inbox_and_every_brands_reply_rate(warehouse: Path) -> None:
    with connect(warehouse, read_only=True) as con:
        replies = collect(con, brands=BRANDS, as_of=date.today())["replies"]
    assert replies["status"] == "ok"
    assert [m["title"] for m in replies["inbox"]] == ["Titel neg-old", "Titel neg-new", "Titel pos"]
    assert (replies["unanswered"], replies["negative"], replies["past_sla"]) == (3, 2, 1)
    bench = {b["brand"]: b for b in replies["benchmark"]}
    assert (bench["Snelkoop"]["reviews"], bench["Snelkoop"]["share_answered"]) == (4, 0.25)
    assert bench["Snelkoop"]["share_negative_within_sla"] == 0.5, "one answered in 6 h, one waiting 80 h"
    assert (bench["Winkelwagen"]["share_answered"], bench["Winkelwagen"]["median_response_hours"]) == (0.5, 30.0)


def test_a_warehouse_without_reply_sources_explains_what_to_add(tmp_path: Path) -> None:
    path = tmp_path / "klantstem.duckdb"
    with connect(path) as con:
        migrate(con)
        upsert_mentions(con, table(review("a", 5, 1)))
        replies = collect(con, brands=BRANDS)["replies"]
    assert replies["status"] == "empty" and "klantstem run" in replies["note"]


CHROMIUM = os.environ.get("KLANTSTEM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")
def test_the_reply_sections_render_in_the_browser(warehouse: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    out = tmp_path / "report.html"
    write_report(warehouse, out, brands=BRANDS, as_of=date.today())
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
                       else r.abort())
            page.goto(out.as_uri())
            page.wait_for_selector("body[data-rendered]", timeout=30_000)
            inbox = page.inner_text("#inbox-list")
            assert inbox.index("Titel neg-old") < inbox.index("Titel neg-new") < inbox.index("Titel pos")
            assert "past the SLA" in inbox and "Titel done" not in inbox
            assert "<img" in inbox and page.evaluate("window.__pwned") is None, "review text shows as text"
            rows = page.locator("#replies-table tbody tr").all_inner_texts()
            assert [r.split("\t")[0] for r in rows] == ["Snelkoop (own)", "Winkelwagen"]
            assert "25%" in rows[0] and "30.0 h" in rows[1]
            page.click("#filter-brands input >> nth=0")  # hide the own brand
            page.wait_for_function("Number(document.body.getAttribute('data-rendered')) > 1")
            assert "Nothing to answer in the selection." in page.inner_text("#inbox-list")
            assert errors == []
        finally:
            browser.close()
