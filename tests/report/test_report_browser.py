"""The report in a real headless Chromium: loads offline without console errors, charts
render, filters change the numbers, review text shows as text. Keeps a screenshot in
test-artifacts/report.png.

Skipped when no Chromium is installed (CI installs Debian's `chromium`, see .ci/run);
KLANTSTEM_CHROMIUM points at another binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from report.build import write_report
from report.data import BrandInfo
from report.server import DashboardServer
from tests.synthetic_warehouse import build_warehouse
from warehouse.connection import connect

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")

CHROMIUM = os.environ.get("KLANTSTEM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)")

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
AS_OF = date(2026, 11, 24)
BRANDS = [BrandInfo("Snelkoop", True), BrandInfo("Winkelwagen"), BrandInfo("Bestelhuis")]
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
CHARTS = ("chart-sentiment", "chart-volume", "chart-grades", "chart-nps", "chart-journey", "chart-blind")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


class Watched:
    """A page that records console errors, page errors and every request it makes."""

    def __init__(self, browser, *, offline: bool = True) -> None:
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog: {d.message}"), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        if offline:
            local = ("file:", "data:", "blob:")
            self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local)
                            else route.abort())

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-rendered]", timeout=30_000)

    def kpi(self, name: str) -> str:
        return self.page.inner_text(f"#kpi-{name} .kpi-value")

    def rendered(self) -> int:
        return int(self.page.get_attribute("body", "data-rendered") or 0)

    def traces(self, chart: str, layer: str) -> int:
        return self.page.locator(f"#{chart} .{layer} .trace").count()

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser") / "klantstem.duckdb"
    build_warehouse(path, mentions=3000, days=120, end=AS_OF)
    return path


def count(path: Path, where: str = "TRUE", params: list | None = None) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM mentions_scored WHERE {where}", params or []).fetchall()[0][0]


def fmt(n: int) -> str:
    return f"{n:,}"


def test_the_report_renders_offline_and_the_filters_change_the_numbers(browser, warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(warehouse, out, brands=BRANDS, as_of=AS_OF)
    w = Watched(browser)
    try:
        w.open(out.as_uri())
        last90 = AS_OF - timedelta(days=89)

        # Charts render: one line per brand, one bar series per source, grades, NPS, journey, blind spots.
        for chart in CHARTS:
            assert w.page.locator(f"#{chart} .main-svg").count() > 0, f"{chart} has an SVG"
        assert w.traces("chart-sentiment", "scatterlayer") == 3
        assert w.traces("chart-volume", "barlayer") == 4
        assert w.traces("chart-grades", "barlayer") == 4, "three brands and the survey"
        assert w.page.locator("#chart-journey .scatterlayer .point").count() >= 5
        assert w.page.locator("#table-journey tbody tr").count() == 8
        assert "Bezorging" in w.page.inner_text("#table-journey"), "Dutch journey-step names"
        assert w.page.locator("#alerts-list .alert").count() == 3, "the three alerts of the last 90 days"

        # Default view: the last 90 days, all brands and sources.
        assert w.page.input_value("#filter-period") == "90"
        assert w.kpi("mentions") == fmt(count(warehouse, "day >= ?", [last90]))
        ARTIFACTS.mkdir(exist_ok=True)
        w.page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)

        # A brand filter changes the numbers and the charts.
        others = "brand <> 'Bestelhuis'"
        w.page.uncheck("#filter-brands input[value=Bestelhuis]")
        assert w.kpi("mentions") == fmt(count(warehouse, "day >= ? AND brand <> 'Bestelhuis'", [last90]))
        assert w.traces("chart-sentiment", "scatterlayer") == 2
        negative = count(warehouse, "day >= ? AND brand <> 'Bestelhuis' AND sentiment = 'neg'", [last90])
        scored = count(warehouse, "day >= ? AND brand <> 'Bestelhuis' AND sentiment IS NOT NULL", [last90])
        assert w.kpi("negative") == f"{100 * negative / scored:.1f}%"

        # ... and so do source and period.
        w.page.uncheck("#filter-sources input[value=forum]")
        assert w.kpi("mentions") == fmt(count(warehouse, f"day >= ? AND {others} AND source <> 'forum'", [last90]))
        assert w.traces("chart-volume", "barlayer") == 3
        w.page.select_option("#filter-period", "7")
        last7 = AS_OF - timedelta(days=6)
        assert w.kpi("mentions") == fmt(count(warehouse, f"day >= ? AND {others} AND source <> 'forum'", [last7]))
        w.page.fill("#filter-from", "2026-10-01")
        w.page.fill("#filter-to", "2026-10-31")
        w.page.dispatch_event("#filter-to", "change")
        assert w.page.input_value("#filter-period") == "custom"
        assert w.kpi("mentions") == fmt(count(
            warehouse, f"day BETWEEN DATE '2026-10-01' AND DATE '2026-10-31' AND {others} AND source <> 'forum'"))
        assert w.page.locator("#alerts-list .alert").count() == 1, \
            "the competitor's October alert; Bestelhuis' alert is filtered out"

        assert w.errors == [], "no console errors"
        assert [u for u in w.requests if not u.startswith(("file:", "data:", "blob:"))] == [], "no network"
    finally:
        w.close()


def test_review_text_shows_as_text_and_never_runs(browser, tmp_path: Path) -> None:
    path = tmp_path / "hostile.duckdb"
    build_warehouse(path, mentions=400, days=20, end=AS_OF)
    with connect(path) as con:
        con.execute("UPDATE mentions SET title = '<b>Nooit</b> meer', text = ? "
                    "WHERE mention_id = (SELECT sample_mention_ids[1] FROM alerts WHERE alert_id = 1)", [HOSTILE])
        con.execute("UPDATE insight_aspects SET label = '<i>Bezorging</i>' WHERE aspect = 'delivery'")
    out = tmp_path / "report.html"
    write_report(path, out, brands=BRANDS, as_of=AS_OF)
    w = Watched(browser)
    try:
        w.open(out.as_uri())
        alert_text = w.page.inner_text("#alerts-list .alert[data-alert-id='1']")
        assert HOSTILE in alert_text, "shown literally in the alert's example"
        assert "<b>Nooit</b> meer" in alert_text
        assert HOSTILE in w.page.inner_text("#examples-list"), "and among the latest negative mentions"
        assert "<i>Bezorging</i>" in w.page.inner_text("#table-journey")
        assert "<i>Bezorging</i>" in w.page.inner_text("#chart-journey"), "chart labels are escaped too"
        assert w.page.evaluate("window.__pwned") is None
        assert w.page.locator("img[src=x], #alerts-list b, #main i").count() == 0
        assert w.errors == []
    finally:
        w.close()


def test_sections_without_data_explain_what_to_run(browser, tmp_path: Path) -> None:
    path = tmp_path / "fresh.duckdb"
    build_warehouse(path, mentions=300, days=20, end=AS_OF, insights=False, alerts=False)
    out = tmp_path / "report.html"
    write_report(path, out, as_of=AS_OF)
    w = Watched(browser)
    try:
        w.open(out.as_uri())
        assert w.traces("chart-sentiment", "scatterlayer") == 3, "what exists still renders"
        assert "klantstem insights refresh" in w.page.inner_text("#section-journey .note")
        assert "klantstem survey import" in w.page.inner_text("#section-blind .note")
        assert "klantstem alerts run" in w.page.inner_text("#section-alerts .note")
        assert "klantstem run" in w.page.inner_text("#section-health .note")
        assert w.errors == []
    finally:
        w.close()


def test_the_dashboard_picks_up_new_data_and_keeps_the_filters(browser, tmp_path: Path) -> None:
    path = tmp_path / "live.duckdb"
    build_warehouse(path, mentions=400, days=20, end=AS_OF, insights=False, alerts=False)
    with DashboardServer(path, brands=BRANDS, port=0, refresh_s=0.5, as_of=AS_OF) as server:
        assert server.url.startswith("http://127.0.0.1:")
        w = Watched(browser, offline=False)
        try:
            w.open(server.url)
            assert "Live" in w.page.inner_text("#live-status")
            w.page.uncheck("#filter-brands input[value=Winkelwagen]")
            before = count(path, "brand <> 'Winkelwagen' AND day >= ?", [AS_OF - timedelta(days=89)])
            assert w.kpi("mentions") == fmt(before)
            # Another process (the daily run) adds mentions while the page is open.
            subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
                from datetime import date
                from pathlib import Path
                from tests.synthetic_warehouse import build_warehouse
                build_warehouse(Path({str(path)!r}), mentions=120, days=3, end=date(2026, 11, 24),
                                insights=False, alerts=False, seed=99)
            """)], check=True, cwd=REPO, timeout=60)
            after = count(path, "brand <> 'Winkelwagen' AND day >= ?", [AS_OF - timedelta(days=89)])
            assert after > before
            deadline = time.monotonic() + 20
            while w.kpi("mentions") != fmt(after) and time.monotonic() < deadline:
                w.page.wait_for_timeout(200)  # (the page's CSP forbids wait_for_function's eval)
            assert w.kpi("mentions") == fmt(after), "the open page shows the new mentions"
            assert not w.page.is_checked("#filter-brands input[value=Winkelwagen]"), "filters survive a refresh"
            assert w.errors == []
            assert all(u.startswith(server.url) for u in w.requests), "only the dashboard itself is asked"
        finally:
            w.close()


def test_source_health_lists_a_drifted_source_first_with_its_reason(browser, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from warehouse.crawl_runs import CrawlRun, record_crawl_runs
    from warehouse.migrate import migrate

    path = tmp_path / "health.duckdb"
    build_warehouse(path, mentions=200, days=10, end=AS_OF, insights=False, alerts=False)
    at = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 6, tzinfo=UTC)
    reason = "appstore https://itunes.apple.com: 47 of 50 reviews lack published_at: the page format changed?"
    with connect(path) as con:
        migrate(con)
        record_crawl_runs(con, [
            CrawlRun("f", "trustpilot", "Snelkoop", "https://t.example/", at, at, "ok", 3, 60, 12, 0, 0, None),
            CrawlRun("f", "appstore", "Snelkoop", "https://itunes.apple.com", at, at, "degraded", 1, 3, 3, 0, 47, reason),
        ])
    out = tmp_path / "report.html"
    write_report(path, out, as_of=AS_OF)
    w = Watched(browser)
    try:
        w.open(out.as_uri())
        first_row = w.page.inner_text("#health-list tbody tr:first-child")
        assert "appstore" in first_row and "degraded" in first_row and "47 of 50 reviews lack published_at" in first_row
        assert w.errors == []
    finally:
        w.close()


def test_the_language_filter_shows_one_language_s_customers(browser, tmp_path: Path) -> None:
    path = tmp_path / "belgian.duckdb"
    build_warehouse(path, mentions=1500, days=60, end=AS_OF, french_share=0.4, alerts=False)
    out = tmp_path / "report.html"
    write_report(path, out, brands=BRANDS, as_of=AS_OF)

    def in_language(language: str) -> int:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT count(*) FROM mention_languages AS l JOIN mentions_scored AS m USING (mention_id) "
                               "WHERE m.day >= ? AND l.language = ?", [AS_OF - timedelta(days=89), language]).fetchall()[0][0]

    w = Watched(browser)
    try:
        w.open(out.as_uri())
        assert sorted(w.page.locator("#filter-languages input").evaluate_all("els => els.map(e => e.value)")) == ["fr", "nl"]
        french, dutch = in_language("fr"), in_language("nl")
        assert w.kpi("mentions") == fmt(french + dutch)
        journey_all = w.page.inner_text("#table-journey")
        w.page.uncheck("#filter-languages input[value=nl]")
        assert w.kpi("mentions") == fmt(french), "only the French customers"
        assert w.page.inner_text("#table-journey") != journey_all, "journey steps follow the language filter"
        w.page.check("#filter-languages input[value=nl]")
        w.page.uncheck("#filter-languages input[value=fr]")
        assert w.kpi("mentions") == fmt(dutch)
        assert w.errors == [], "no console errors"
    finally:
        w.close()


@pytest.mark.slow
def test_invited_reviews_stand_beside_the_organic_default(browser, tmp_path: Path) -> None:
    """Where a source labels invited reviews (docs/provenance.md), the page shows the organic
    reviews by default, the invited share as a KPI and per week, and the filter switches."""
    from tests.report.test_report_provenance import INVITED, invite

    path = tmp_path / "invited.duckdb"
    build_warehouse(path, mentions=3000, days=120, end=AS_OF)
    invite(path)
    with connect(path) as con:  # the campaign ended: what the invitations_stopped rule records
        con.execute("""INSERT INTO alerts (rule, brand, source, status, window_kind, window_start, window_end,
                           episode_start, first_fired_at, last_fired_at, volume, observed, expected, baseline_volume,
                           p_value, test, severity, peak_severity, notified_severity, evaluations, recovery_notified,
                           sample_mention_ids, top_terms, created_at, updated_at)
                       SELECT 'invitations_stopped', 'Snelkoop', 'all', 'open', 'daily', t - INTERVAL 7 DAY, t,
                              t - INTERVAL 7 DAY, t, t, 0, 0, 12, 300, 1e-5, 'poisson', 12, 12, 12, 1, false, [], [],
                              now(), now()
                       FROM (SELECT TIMESTAMPTZ '2026-11-24 06:00:00+01' AS t)""")
    out = tmp_path / "report.html"
    write_report(path, out, brands=BRANDS, as_of=AS_OF)
    last90 = AS_OF - timedelta(days=89)
    w = Watched(browser)
    try:
        w.open(out.as_uri())
        assert w.page.is_visible("#filter-population")
        assert w.page.input_value("#filter-population") == "organic"
        assert w.kpi("mentions") == fmt(count(path, "day >= ? AND population = 'organic'", [last90]))
        organic_neg = count(path, "day >= ? AND population = 'organic' AND sentiment = 'neg'", [last90])
        organic_scored = count(path, "day >= ? AND population = 'organic' AND sentiment IS NOT NULL", [last90])
        assert w.kpi("negative") == f"{100 * organic_neg / organic_scored:.1f}%"
        invited, total = count(path, f"day >= ? AND {INVITED}", [last90]), count(path, "day >= ?", [last90])
        assert w.kpi("invited") == f"{100 * invited / total:.1f}%"
        assert w.traces("chart-provenance", "barlayer") == 1, "the invited share per week"
        assert w.traces("chart-provenance", "scatterlayer") == 3, "organic, invited and mixed negative share"
        assert w.traces("chart-blind", "barlayer") == 3, "organic public, survey, and invited reviews beside them"
        stopped = w.page.inner_text("#alerts-list")
        assert "Invitations stopped · Snelkoop" in stopped and "0 (usually 12)" in stopped

        w.page.select_option("#filter-population", "invited")
        assert w.kpi("mentions") == fmt(invited)
        w.page.select_option("#filter-population", "all")
        assert w.kpi("mentions") == fmt(total)
        assert w.kpi("invited") == f"{100 * invited / total:.1f}%", "the share does not depend on the filter"
        assert w.errors == []
    finally:
        w.close()


@pytest.mark.slow
def test_without_invited_reviews_there_is_no_population_filter(browser, tmp_path: Path) -> None:
    path = tmp_path / "plain.duckdb"
    build_warehouse(path, mentions=300, days=20, end=AS_OF, insights=False, alerts=False)
    out = tmp_path / "report.html"
    write_report(path, out, brands=BRANDS, as_of=AS_OF)
    w = Watched(browser)
    try:
        w.open(out.as_uri())
        assert not w.page.is_visible("#filter-population")
        assert w.page.locator("#kpi-invited").count() == 0
        assert "Trustpilot" in w.page.inner_text("#section-provenance .note")
        assert w.errors == []
    finally:
        w.close()
