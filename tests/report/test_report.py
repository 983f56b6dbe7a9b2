"""`klantstem report`: one self-contained HTML dashboard built from warehouse aggregates.

Browser behaviour (charts, filters, escaping as rendered) is in test_report_browser.py;
the served dashboard in test_report_dashboard.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from klantstem.cli import main
from report.build import load_payload, write_report
from report.data import BrandInfo, collect, today_amsterdam
from report.render import plotly_js
from tests.synthetic_warehouse import build_warehouse
from warehouse.connection import connect
from warehouse.migrate import migrate

AS_OF = date(2026, 11, 24)
BRANDS = [BrandInfo("Snelkoop", True), BrandInfo("Winkelwagen"), BrandInfo("Bestelhuis")]
HOSTILE = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & "quotes"'


def embedded_data(page: str) -> dict:
    match = re.search(r'<script id="klantstem-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the page embeds its data in a JSON script element"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "klantstem.duckdb"
    build_warehouse(path, mentions=3000, days=120, end=AS_OF)
    with connect(path) as con:  # one alert example carries markup
        con.execute("UPDATE mentions SET title = 'Nooit <b>meer</b>', text = ? "
                    "WHERE mention_id = (SELECT sample_mention_ids[1] FROM alerts WHERE alert_id = 1)", [HOSTILE])
    return path


@pytest.fixture(scope="module")
def page(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("out") / "report.html"
    write_report(warehouse, out, brands=BRANDS, as_of=AS_OF)
    return out.read_text(encoding="utf-8")


def test_the_page_is_one_file_that_needs_no_network(page: str) -> None:
    assert plotly_js()[:2000] in page, "plotly.js is inlined, not linked"
    assert not re.search(r"<script[^>]+src=", page), "no external scripts"
    assert not re.search(r"<link[^>]+href=", page), "no external stylesheets"
    own_code = page.replace(plotly_js(), "").split('<script id="klantstem-data"')[0]
    assert not re.search(r"https?://", own_code), "the page's own markup and styles refer to nothing online"
    assert re.search(r"Content-Security-Policy\" content=\"default-src 'none'", page), \
        "the page itself forbids fetching anything"


def test_review_text_stays_text_in_the_page_source(page: str) -> None:
    assert "<script>window.__pwned" not in page
    assert "<img src=x" not in page
    data = embedded_data(page)
    alert = next(a for a in data["alerts"]["rows"] if a["alert_id"] == 1)
    assert alert["examples"][0]["text"] == HOSTILE, "the text round-trips unchanged as data"
    assert alert["examples"][0]["title"] == "Nooit <b>meer</b>"


def test_the_embedded_numbers_are_the_warehouse_aggregates(page: str, warehouse: Path) -> None:
    data = embedded_data(page)
    facts, brands = data["facts"], [b["name"] for b in data["brands"]]
    assert brands == ["Snelkoop", "Winkelwagen", "Bestelhuis"], "own brand first, then the configured order"
    assert data["brands"][0]["own"] is True
    per_brand: dict[str, list[int]] = {}
    for b, n, neg, grades in zip(facts["b"], facts["n"], facts["neg"], facts["g"], strict=True):
        acc = per_brand.setdefault(brands[b], [0, 0, 0])
        acc[0] += n
        acc[1] += neg
        acc[2] += sum(grades)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = {
            brand: [n, neg, rated]
            for brand, n, neg, rated in con.execute(
                """SELECT brand, count(*), count(*) FILTER (WHERE sentiment = 'neg'),
                          (SELECT count(*) FROM mention_grades AS g WHERE g.brand = ms.brand)
                   FROM mentions_scored AS ms GROUP BY brand"""
            ).fetchall()
        }
    assert per_brand == expected


def test_only_aggregates_and_a_few_examples_go_into_the_page(page: str) -> None:
    data = embedded_data(page)
    assert len(data["facts"]["n"]) <= 120 * 3 * 4, "one row per day, brand and source at most"
    assert sum(data["facts"]["n"]) == 3000
    assert len(data["negative_examples"]["rows"]) <= 5 * 3 * 4
    assert all(len(a["examples"]) <= 3 for a in data["alerts"]["rows"])


def test_every_section_has_data_in_a_complete_warehouse(page: str) -> None:
    data = embedded_data(page)
    for key in ("sentiment", "grades", "survey", "aspects", "drivers", "blind_spots", "alerts", "negative_examples"):
        assert data[key]["status"] == "ok", (key, data[key].get("note"))
    labels = [a["label"] for a in data["aspects"]["list"]]
    assert "Bezorging" in labels and "Klantenservice" in labels, "journey steps keep their Dutch names"
    assert {t["direction"] for t in data["blind_spots"]["terms"]} == {"public_not_survey", "survey_not_public"}


def test_the_journey_and_blind_spot_numbers_are_the_analysts_views(warehouse: Path) -> None:
    """The dashboard reads the insights views (mention_aspect_sentiment, blind_spot_aspect_stats):
    its per-bucket rows add up to what analysts see in aspect_performance and blind_spot_aspects."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        data = collect(con, brands=BRANDS, as_of=AS_OF)
        by_view = {
            (brand, aspect): (n, scored, neg, pos, rated, pytest.approx(mean_score, abs=1e-3),
                              pytest.approx(mean_grade, abs=1e-9), pytest.approx(share_unhappy, abs=1e-9))
            for brand, aspect, n, scored, neg, pos, rated, mean_score, mean_grade, share_unhappy in con.execute(
                """SELECT brand, aspect, mentions, scored, negative, positive, rated, mean_score, mean_grade,
                          share_unhappy
                   FROM aspect_performance WHERE mentions > 0"""
            ).fetchall()
        }
        view_aspects = [
            (*row[:5], None if row[5] is None else pytest.approx(row[5], abs=1e-3), row[6])
            for row in con.execute(
                """SELECT aspect, public_negative_mentions, public_mentions, survey_unhappy_answers, survey_answers,
                          z, direction FROM blind_spot_aspects ORDER BY aspect"""
            ).fetchall()
        ]
    a, names, keys = data["aspects"], [b["name"] for b in data["brands"]], [x["aspect"] for x in data["aspects"]["list"]]
    sums: dict[tuple[str, str], list] = {}
    for i in range(len(a["t"])):
        acc = sums.setdefault((names[a["b"][i]], keys[a["a"][i]]), [0] * 8)
        for j, col in enumerate(("n", "sc", "neg", "pos", "r", "ss", "gs", "unhappy")):
            acc[j] += a[col][i]
    mine = {k: (n, sc, neg, pos, r, ss / sc if sc else None, gs / r if r else None, unhappy / r if r else None)
            for k, (n, sc, neg, pos, r, ss, gs, unhappy) in sums.items()}
    assert mine == by_view
    assert [(r["aspect"], r["public_negative_mentions"], r["public_mentions"], r["survey_unhappy_answers"],
             r["survey_answers"], r["z"], r["direction"])
            for r in sorted(data["blind_spots"]["aspects"], key=lambda r: r["aspect"])] == view_aspects


def test_a_warehouse_whose_views_predate_the_split_views_shows_the_same(warehouse: Path, tmp_path: Path) -> None:
    """Until the next `klantstem run` re-applies the views, a warehouse has mention_aspects and
    blind_spot_aspects as single views, without mention_aspect_sentiment / blind_spot_aspect_stats."""
    path = tmp_path / "older.duckdb"
    shutil.copy(warehouse, path)
    with duckdb.connect(str(path)) as con:
        for view, base in (("mention_aspects", "mention_aspect_sentiment"),
                           ("blind_spot_aspects", "blind_spot_aspect_stats")):
            con.execute(f"CREATE TABLE old_{view} AS SELECT * FROM {view}")
            con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM old_{view}")
            con.execute(f"DROP VIEW {base}")
    older, current = load_payload(path, as_of=AS_OF), load_payload(warehouse, as_of=AS_OF)
    for key in ("aspects", "blind_spots"):
        assert older[key]["status"] == "ok", older[key]["note"]
        assert older[key] == current[key]


def test_long_histories_are_bucketed_by_week(tmp_path: Path) -> None:
    path = tmp_path / "long.duckdb"
    build_warehouse(path, mentions=1500, days=400, end=AS_OF, insights=False, alerts=False)
    data = load_payload(path, as_of=AS_OF)
    assert data["meta"]["bucket"] == "week"
    assert {date.fromisoformat(d).weekday() for d in data["days"]} == {0}, "weeks start on Monday"
    assert sum(data["facts"]["n"]) == 1500


def test_sections_whose_tables_do_not_exist_yet_say_what_to_run(tmp_path: Path) -> None:
    """A warehouse from before alerts and insights: only the core tables and views."""
    path = tmp_path / "old.duckdb"
    root = Path(__file__).resolve().parents[2] / "warehouse"
    with duckdb.connect(str(path)) as con:
        for migration in ("001_core.sql", "006_sentiment_corrections.sql", "030_provenance.sql"):
            con.execute((root / "migrations" / migration).read_text())
        for view in ("000_macros.sql", "005_sentiment_corrections.sql", "010_mentions_scored.sql",
                     "020_daily_sentiment.sql"):
            con.execute((root / "views" / view).read_text())
        con.execute("""INSERT INTO mentions (mention_id, source, external_id, brand, published_at, text,
                                             first_seen_at, last_seen_at)
                       VALUES ('m1', 'trustpilot', '1', 'Snelkoop', TIMESTAMPTZ '2026-11-20 10:00:00+00',
                               'Prima', now(), now())""")
    out = tmp_path / "report.html"
    result = write_report(path, out, as_of=AS_OF)
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert data["meta"]["mentions"] == 1
    assert data["alerts"]["status"] == "missing" and "klantstem alerts run" in data["alerts"]["note"]
    assert data["aspects"]["status"] == "missing" and "klantstem insights refresh" in data["aspects"]["note"]
    assert data["blind_spots"]["status"] == "missing" and "klantstem survey import" in data["blind_spots"]["note"]
    assert data["grades"]["status"] == "missing"
    assert data["sentiment"]["status"] == "empty", "mentions without scores"
    assert set(result.notes) >= {"alerts", "aspects", "blind_spots", "grades", "sentiment"}


def test_empty_tables_say_no_data_yet(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    build_warehouse(path, mentions=200, days=30, end=AS_OF, insights=False, alerts=False)
    data = load_payload(path, as_of=AS_OF)
    assert data["sentiment"]["status"] == "ok" and data["grades"]["status"] == "ok"
    for key, command in (("alerts", "klantstem alerts run"), ("aspects", "klantstem insights refresh"),
                         ("drivers", "klantstem insights refresh"), ("survey", "klantstem survey import"),
                         ("blind_spots", "klantstem survey import")):
        assert data[key]["status"] == "empty", key
        assert command in data[key]["note"], key


def test_no_warehouse_yet_still_gives_a_page_that_says_so(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(tmp_path / "nothing.duckdb", out, as_of=AS_OF)
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert data["status"]["status"] == "missing"
    assert "klantstem run" in data["status"]["note"]
    assert not (tmp_path / "nothing.duckdb").exists(), "reading never creates a warehouse"


def test_the_report_reads_while_another_process_reads(warehouse: Path, tmp_path: Path) -> None:
    """Read-only: a second reader (an analyst's duckdb -readonly) does not block it, and it writes nothing."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(warehouse)!r}, read_only=True)
            print("open", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        before = warehouse.stat().st_mtime_ns
        result = write_report(warehouse, tmp_path / "r.html", as_of=AS_OF, timeout_s=0)
        assert result.mentions == 3000
        assert warehouse.stat().st_mtime_ns == before
    finally:
        holder.communicate("done\n", timeout=30)


def test_klantstem_report_uses_the_config(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text(textwrap.dedent(f"""
        [[brands]]
        name = "Winkelwagen"
        own = true

        [[brands]]
        name = "Snelkoop"

        [warehouse]
        path = {json.dumps(str(warehouse))}
    """), encoding="utf-8")
    out = tmp_path / "out" / "dashboard.html"
    assert main(["report", "-c", str(config), "-o", str(out), "--as-of", AS_OF.isoformat()]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    data = embedded_data(out.read_text(encoding="utf-8"))
    assert [(b["name"], b["own"]) for b in data["brands"]][:2] == [("Winkelwagen", True), ("Snelkoop", False)]
    assert data["meta"]["as_of"] == AS_OF.isoformat()


def test_klantstem_report_without_config_reads_the_given_warehouse(warehouse: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no monitor.toml here
    assert main(["report", "--warehouse", str(warehouse)]) == 0
    data = embedded_data((tmp_path / "klantstem-report.html").read_text(encoding="utf-8"))
    assert data["meta"]["mentions"] == 3000
    assert data["meta"]["as_of"] == today_amsterdam().isoformat(), "periods end today by default"


def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "monitor.toml"
    config.write_text("[[brands]]\nnaam = 'x'\n", encoding="utf-8")
    assert main(["report", "-c", str(config), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("klantstem: error:") and "\n" not in err
    assert not (tmp_path / "r.html").exists()


def test_migrated_but_empty_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with connect(path) as con:
        migrate(con)
    data = load_payload(path, as_of=AS_OF)
    assert data["status"]["status"] == "missing" and "No mentions" in data["status"]["note"]
    assert data["alerts"]["note"] == data["status"]["note"]


def test_alerts_carry_their_rules_words_so_a_new_rule_needs_no_page_change(tmp_path: Path) -> None:
    path = tmp_path / "rules.duckdb"
    build_warehouse(path, mentions=200, days=20, end=AS_OF, insights=False, alerts=False)
    with connect(path) as con:
        for rule, observed, expected, note in (("negative_share", 0.45, 0.12, ""), ("rating_drop", 0.125, 0.6, ""),
                                               ("unanswered_negative", 12, 0, "oldest 711 h old; reply SLA 48 h")):
            con.execute("""INSERT INTO alerts (rule, brand, source, status, window_kind, window_start, window_end,
                               episode_start, first_fired_at, last_fired_at, volume, observed, expected, baseline_volume,
                               p_value, test, severity, peak_severity, notified_severity, evaluations,
                               recovery_notified, sample_mention_ids, top_terms, created_at, updated_at, note)
                           SELECT ?, 'Snelkoop', 'all', 'open', 'daily', t - INTERVAL 1 DAY, t, t - INTERVAL 1 DAY,
                                  t, t, 12, ?, ?, 300, 1e-5, 'binomial', 1, 1, 1, 1, false, [], [], now(), now(), ?
                           FROM (SELECT TIMESTAMPTZ '2026-11-24 06:00:00+01' AS t)""",
                        [rule, observed, expected, note])
        data = collect(con, brands=BRANDS, as_of=AS_OF)
    assert data["alerts"]["status"] == "ok", data["alerts"]
    words = {a["rule"]: (a["label"], a["statistical"], a["observed_text"], a["expected_text"])
             for a in data["alerts"]["rows"]}
    assert words["negative_share"] == ("Negative share", True, "45%", "12%")
    assert words["rating_drop"] == ("Rating drop", True, "1.5/5", "3.4/5")
    assert words["unanswered_negative"][:2] == ("Unanswered negative reviews", False)
