"""Provenance: each review's origin (organic, invited by the company, other) is read from the
source where it says so, stored with the mention, and kept apart in the daily figures, so that
an invitation campaign does not pass for a change in what customers think."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from klantstem.provenance import ProvenanceLabel, population, trustpilot_provenance
from spiders.spiders.trustpilot import TrustpilotSpider
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.staging import parse_lines

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sources" / "trustpilot" / "invited_and_organic_page1.html"
PAGE_URL = "https://nl-be.trustpilot.com/review/voorbeeldbank.example"

# What the fixture's reviews must be stored as (tests/fixtures/README.md).
EXPECTED = {
    "6571a0c1e3b4f2a9c0d1e201": ("organic", "not-verified", "Organic"),
    "6571a0c1e3b4f2a9c0d1e202": ("invited", "verified", "BusinessGeneratedLink"),
    "6571a0c1e3b4f2a9c0d1e203": ("invited", "verified", "InvitationLinkApi"),
    "6571a0c1e3b4f2a9c0d1e204": ("invited", "not-verified", "BasicLink"),
    "6571a0c1e3b4f2a9c0d1e205": ("organic", "not-verified", "Organic"),
    "6571a0c1e3b4f2a9c0d1e206": ("invited", "verified", "InvitationApi"),
    "6571a0c1e3b4f2a9c0d1e207": ("other", "not-verified", "KlantstemTestValue"),
    "6571a0c1e3b4f2a9c0d1e208": (None, None, None),
}


def _verification(**fields: object) -> dict[str, object]:
    return {"merged": None, "verification": {"isVerified": False, "verificationSource": "invitation", **fields}}


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (_verification(reviewSourceName="Organic", verificationLevel="not-verified"),
         ProvenanceLabel("organic", "not-verified", "Organic")),
        (_verification(reviewSourceName="BusinessGeneratedLink", verificationLevel="verified", isVerified=True),
         ProvenanceLabel("invited", "verified", "BusinessGeneratedLink")),
        (_verification(reviewSourceName="BasicLink"), ProvenanceLabel("invited", None, "BasicLink")),
        (_verification(reviewSourceName="InvitationLinkApi"), ProvenanceLabel("invited", None, "InvitationLinkApi")),
        (_verification(reviewSourceName="AFSv2"), ProvenanceLabel("invited", None, "AFSv2")),
        (_verification(reviewSourceName="SomethingNew"), ProvenanceLabel("other", None, "SomethingNew")),
        # verified without a source name: Trustpilot also verifies unprompted reviews, so unknown
        (_verification(isVerified=True, verificationLevel="verified"), ProvenanceLabel(None, "verified", None)),
        ({"merged": None}, ProvenanceLabel(None, None, None)),
        (None, ProvenanceLabel(None, None, None)),
        ("not an object", ProvenanceLabel(None, None, None)),
    ],
)
def test_trustpilot_review_source_names_map_to_organic_invited_or_other(labels: object, expected: ProvenanceLabel) -> None:
    assert trustpilot_provenance(labels) == expected


def test_only_invited_mentions_leave_the_organic_population() -> None:
    assert [population(p) for p in ("organic", "invited", "other", None)] == ["organic", "invited", "organic", "organic"]


def _fixture_items() -> list:
    response = HtmlResponse(PAGE_URL, body=FIXTURE.read_bytes(), encoding="utf-8")
    spider = TrustpilotSpider(url=PAGE_URL, brand="Voorbeeldbank")
    return spider.parse_page(response).items


def test_every_review_of_a_trustpilot_page_keeps_its_origin() -> None:
    items = _fixture_items()
    assert {i.external_id: (i.provenance, i.verification, i.provenance_raw) for i in items} == EXPECTED


def test_the_origin_reaches_the_warehouse_row_by_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    crawler = make_crawler(TrustpilotSpider, url=PAGE_URL, brand="Voorbeeldbank")
    staged = [json.dumps(asdict(run_pipelines(crawler, item))) for item in _fixture_items()]
    batch = parse_lines(staged, origin="trustpilot.jsonl")
    assert batch.rejects == []
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        upsert_mentions(con, batch.table)
        stored = con.execute(
            "SELECT m.external_id, s.provenance, s.verification, s.provenance_raw, s.population "
            "FROM mentions_scored AS s JOIN mentions AS m USING (mention_id)"
        ).fetchall()
    assert {r[0]: r[1:4] for r in stored} == EXPECTED
    assert {r[0]: r[4] for r in stored} == {k: population(v[0]) for k, v in EXPECTED.items()}


def test_a_provenance_outside_the_contract_is_rejected_naming_the_field() -> None:
    batch = parse_lines([json.dumps(row("x", provenance="paid"))], origin="tp.jsonl")
    assert batch.table.num_rows == 0
    assert batch.rejects == ["tp.jsonl:1: provenance: must be one of ['invited', 'organic', 'other'] or null, got 'paid'"]


def test_daily_sentiment_is_organic_with_the_invited_population_beside_it(tmp_path: Path) -> None:
    # One day: 2 organic reviews (1 and 2 stars), 3 invited ones (5 stars), 1 post without a label.
    batch = table(
        row("o1", rating=1, rating_normalised=0.0, provenance="organic", provenance_raw="Organic"),
        row("o2", rating=2, rating_normalised=0.25, provenance="organic", provenance_raw="Organic"),
        *(row(f"i{n}", rating=5, rating_normalised=1.0, provenance="invited", provenance_raw="BusinessGeneratedLink")
          for n in range(3)),
        row("p1", source="reddit", kind="post", rating=None, rating_min=None, rating_max=None, rating_normalised=None),
    )
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        upsert_mentions(con, batch)
        got = con.execute(
            "SELECT source, volume, rated, mean_rating_normalised, invited_volume, invited_rated, "
            "invited_mean_rating_normalised, total_volume, invited_share FROM daily_sentiment ORDER BY source"
        ).fetchall()
    assert got == [
        ("all", 3, 2, 0.125, 3, 3, 1.0, 6, 0.5),
        ("reddit", 1, 0, None, 0, 0, None, 1, 0.0),
        ("trustpilot", 2, 2, 0.125, 3, 3, 1.0, 5, 0.6),
    ]


def _mixed_brand(tmp_path: Path) -> Path:
    """Snelkoop: 4 organic reviews (1, 1, 2 and 4 stars) and 6 invited 5-star ones, in one week."""
    db = tmp_path / "wh.duckdb"
    organic = [row(f"o{n}", day=n, rating=r, rating_normalised=(r - 1) / 4, provenance="organic")
               for n, r in enumerate((1, 1, 2, 4))]
    invited = [row(f"i{n}", day=n % 4, rating=5, rating_normalised=1.0, provenance="invited") for n in range(6)]
    with connect(db) as con:
        migrate(con)
        upsert_mentions(con, table(*organic, *invited))
    return db


def test_nps_and_grades_are_organic_with_the_invited_reviews_beside_them(tmp_path: Path) -> None:
    with connect(_mixed_brand(tmp_path), read_only=True) as con:
        summary = con.execute(
            "SELECT responses, nps, invited_responses, invited_nps FROM satisfaction_summary "
            "WHERE brand = 'Snelkoop' AND source = 'all'").fetchall()
        grades = dict(con.execute(
            "SELECT grade, responses FROM grade_distribution WHERE source = 'all' AND responses > 0").fetchall())
        invited_grades = dict(con.execute(
            "SELECT grade, invited_responses FROM grade_distribution WHERE source = 'all' AND invited_responses > 0").fetchall())
        overall = con.execute("SELECT mentions, nps FROM competitor_benchmark WHERE aspect = 'overall'").fetchall()
    # organic: grades 2, 2, 4 (detractors) and 8 (passive): NPS -75; invited: six 10s, NPS +100
    assert summary == [(4, -75.0, 6, 100.0)]
    assert grades == {2: 2, 4: 1, 8: 1} and invited_grades == {10: 6}
    assert overall == [(4, -75.0)], "the benchmark compares what customers say unprompted"


def test_the_invited_share_per_week_is_a_kpi_beside_both_populations(tmp_path: Path) -> None:
    with connect(_mixed_brand(tmp_path), read_only=True) as con:
        weeks = con.execute(
            "SELECT week, total_volume, organic_volume, invited_volume, round(invited_share, 4), "
            "round(organic_mean_rating_normalised, 4), invited_mean_rating_normalised "
            "FROM weekly_provenance WHERE source = 'all' ORDER BY week").fetchall()
    # Sunday 1 Nov closes the week of 26 Oct (1 organic, 2 invited); Mon-Wed 2-4 Nov: 3 organic, 4 invited
    assert weeks == [
        (date(2026, 10, 26), 3, 1, 2, round(2 / 3, 4), 0.0, 1.0),
        (date(2026, 11, 2), 7, 3, 4, round(4 / 7, 4), round(1 / 3, 4), 1.0),
    ]
