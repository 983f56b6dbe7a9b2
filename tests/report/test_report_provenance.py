"""The dashboard and invited reviews (docs/provenance.md): where the sources say which reviews
the company asked for, the payload splits every figure by population, so the page can show
the organic reviews by default with the invited ones and the invited share beside them.

The page's behaviour with the split (default, filter, KPI, chart) is in test_report_browser.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from report.build import load_payload
from report.data import BrandInfo
from tests.synthetic_warehouse import build_warehouse
from warehouse.connection import connect

AS_OF = date(2026, 11, 24)
BRANDS = [BrandInfo("Snelkoop", True), BrandInfo("Winkelwagen"), BrandInfo("Bestelhuis")]
# About a third of Snelkoop's rated reviews from 4 stars up count as invited: a campaign.
INVITED = "brand = 'Snelkoop' AND rating >= 4 AND hash(mention_id) % 3 = 0"


def invite(path: Path) -> None:
    with connect(path) as con:
        con.execute(f"UPDATE mentions SET provenance = 'invited', provenance_raw = 'BusinessGeneratedLink' WHERE {INVITED}")
        con.execute("UPDATE mentions SET provenance = 'organic', provenance_raw = 'Organic' "
                    "WHERE brand = 'Snelkoop' AND provenance IS NULL AND rating IS NOT NULL")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("provenance") / "klantstem.duckdb"
    build_warehouse(path, mentions=3000, days=120, end=AS_OF)
    invite(path)
    return path


def view_counts(path: Path, group: str) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return {tuple(r[:-1]): r[-1] for r in con.execute(
            f"SELECT {group}, count(*) FROM mentions_scored GROUP BY ALL").fetchall()}


def test_the_facts_are_split_into_organic_and_invited(warehouse: Path) -> None:
    data = load_payload(warehouse, brands=BRANDS, as_of=AS_OF)
    f, brands = data["facts"], [b["name"] for b in data["brands"]]
    sums: dict[tuple, int] = {}
    for b, p, n in zip(f["b"], f["p"], f["n"], strict=True):
        key = (brands[b], "invited" if p == 1 else "organic")
        sums[key] = sums.get(key, 0) + n
    assert sums == view_counts(warehouse, "brand, population")
    assert data["meta"]["invited"] == sums[("Snelkoop", "invited")] > 100
    assert data["provenance"]["status"] == "ok"


def test_negative_scores_per_population_match_the_warehouse(warehouse: Path) -> None:
    data = load_payload(warehouse, brands=BRANDS, as_of=AS_OF)
    f = data["facts"]
    negative = {p: sum(neg for neg, q in zip(f["neg"], f["p"], strict=True) if q == p) for p in (0, 1)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = dict(con.execute("SELECT CAST(population = 'invited' AS INTEGER), count(*) FROM mentions_scored "
                                    "WHERE sentiment = 'neg' GROUP BY ALL").fetchall())
    assert negative == {0: expected.get(0, 0), 1: expected.get(1, 0)}


def test_journey_steps_and_examples_carry_the_population(warehouse: Path) -> None:
    data = load_payload(warehouse, brands=BRANDS, as_of=AS_OF)
    a = data["aspects"]
    assert set(a["p"]) == {0, 1}, "journey steps are split too, so the page can filter them"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tagged = con.execute("SELECT count(*) FROM mention_aspect_sentiment JOIN mentions_scored USING (mention_id) "
                             "WHERE population = 'invited'").fetchall()[0][0]
    assert sum(n for n, p in zip(a["n"], a["p"], strict=True) if p == 1) == tagged
    rows = data["negative_examples"]["rows"]
    assert {r["population"] for r in rows} <= {"organic", "invited"} and rows


def test_without_labels_there_is_no_split_and_the_section_says_why(tmp_path: Path) -> None:
    path = tmp_path / "unlabelled.duckdb"
    build_warehouse(path, mentions=300, days=20, end=AS_OF, insights=False, alerts=False)
    data = load_payload(path, brands=BRANDS, as_of=AS_OF)
    assert data["meta"]["invited"] == 0
    assert set(data["facts"]["p"]) == {0}
    assert data["provenance"]["status"] == "empty"
    assert "Trustpilot" in data["provenance"]["note"]


def test_blind_spots_compare_organic_reviews_with_the_survey_and_count_invited_ones_beside(warehouse: Path) -> None:
    data = load_payload(warehouse, brands=BRANDS, as_of=AS_OF)
    b = data["blind_spots"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        negative = dict(con.execute("SELECT population, count(*) FROM mentions_scored "
                                    "WHERE brand = 'Snelkoop' AND sentiment = 'neg' GROUP BY ALL").fetchall())
    assert b["public_negative"] == negative["organic"]
    assert b["invited_negative"] == negative["invited"] > 0
    assert all(0 <= (a["share_invited"] or 0) <= 1 for a in b["aspects"])
