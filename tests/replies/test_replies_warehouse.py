"""Company replies as data (issue 14): reply times kept across crawls, earlier versions kept,
and the views a reputation manager works from (reply_inbox, reply_performance,
recovered_customers, service_recovery, canned_replies)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.warehouse_helpers import BASE_DAY, row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.replies import record_reply_settings

OWN, RIVAL = "Snelkoop", "Winkelwagen"


def at(hours: float) -> str:
    """An ISO time ``hours`` after the helper's publication time (BASE_DAY)."""
    return (BASE_DAY + timedelta(hours=hours)).isoformat()


def review(external_id: str, *, brand: str = OWN, rating: int = 1, fetched: float = 1, **extra) -> dict:
    return row(external_id, brand=brand, rating=rating, rating_normalised=(rating - 1) / 4, fetched_at=at(fetched),
               **extra)


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "wh.duckdb") as connection:
        migrate(connection)
        record_reply_settings(connection, [("trustpilot", OWN, "trustpilot", True),
                                           ("trustpilot", RIVAL, "trustpilot", False),
                                           ("appstore", OWN, "appstore", True)], sla_hours=24)
        yield connection


def reply_of(con, external_id: str) -> tuple:
    return con.execute("SELECT reply_at, reply_at_basis FROM mentions WHERE external_id = ?", [external_id]).fetchone()


def response_hours(con, external_id: str) -> float | None:
    return con.execute("SELECT f.response_hours FROM reply_facts AS f JOIN mentions USING (mention_id) "
                       "WHERE external_id = ?", [external_id]).fetchone()[0]


def test_a_platform_reply_date_gives_the_exact_response_time(con) -> None:
    upsert_mentions(con, table(review("a", reply="Sorry!", reply_at=at(30))))
    assert reply_of(con, "a")[1] == "platform"
    assert response_hours(con, "a") == pytest.approx(30)


def test_a_reply_first_seen_on_a_later_crawl_gets_that_crawls_time_and_says_so(con) -> None:
    upsert_mentions(con, table(review("a", fetched=1)))
    upsert_mentions(con, table(review("a", fetched=48, reply="Sorry!")))
    reply_at, basis = reply_of(con, "a")
    assert basis == "crawl"
    assert response_hours(con, "a") == pytest.approx(48), "seen unanswered, answered two days later"

    upsert_mentions(con, table(review("a", fetched=100, reply="Sorry!")))
    assert reply_of(con, "a") == (reply_at, "crawl"), "a later crawl keeps the time the reply was first seen"


def test_a_review_answered_when_first_crawled_without_a_date_has_no_response_time(con) -> None:
    upsert_mentions(con, table(review("a", fetched=500, reply="Sorry!")))
    assert reply_of(con, "a")[1] == "first_crawl"
    assert response_hours(con, "a") is None


def test_an_edit_keeps_the_earlier_version_and_a_rating_raised_after_the_reply_is_a_recovery(con) -> None:
    upsert_mentions(con, table(review("a", rating=1, text="Pakket kwijt, niemand helpt mij.")))
    upsert_mentions(con, table(review("a", rating=1, text="Pakket kwijt, niemand helpt mij.", fetched=20,
                                      reply="Beste Anna, we zoeken het uit.", reply_at=at(10))))
    assert con.execute("SELECT count(*) FROM mention_versions").fetchone()[0] == 0, "a reply alone is no new version"
    upsert_mentions(con, table(review("a", rating=4, text="Pakket kwijt, maar snel opgelost. Top!", fetched=60,
                                      reply="Beste Anna, we zoeken het uit.", reply_at=at(10))))

    versions = con.execute("SELECT rating, text FROM mention_versions").fetchall()
    assert versions == [(1.0, "Pakket kwijt, niemand helpt mij.")]
    assert con.execute("SELECT rating, text FROM mentions").fetchall() == [(4.0, "Pakket kwijt, maar snel opgelost. Top!")]
    recovered = con.execute("SELECT brand, month, rating_before, rating_after FROM recovered_customers").fetchall()
    assert [(b, str(m), rb, ra) for b, m, rb, ra in recovered] == [(OWN, "2026-11-01", 1.0, 4.0)]
    assert con.execute("SELECT answered_negative, recovered, recovery_rate FROM service_recovery").fetchall() == [
        (1, 1, 1.0)]


def test_a_rating_raised_before_any_reply_is_no_recovery(con) -> None:
    upsert_mentions(con, table(review("a", rating=1)))
    upsert_mentions(con, table(review("a", rating=4, fetched=5)))
    upsert_mentions(con, table(review("a", rating=4, fetched=9, reply="Fijn!", reply_at=at(8))))
    assert con.execute("SELECT count(*) FROM recovered_customers").fetchone()[0] == 0


def test_the_inbox_lists_the_own_brands_unanswered_reviews_negative_first_then_oldest(con) -> None:
    upsert_mentions(con, table(
        review("pos-old", rating=5, day=-3),
        review("neg-new", rating=1, day=-1),
        review("neg-old", rating=2, day=-2),
        review("answered", rating=1, day=-2, reply="Sorry!", reply_at=at(-40)),
        review("rival", brand=RIVAL, rating=1, day=-2),
        review("app", source="appstore", rating=1, day=-2),  # no replies on that platform
    ))
    inbox = con.execute("SELECT m.external_id, i.negative, i.past_sla FROM reply_inbox AS i "
                        "JOIN mentions AS m USING (mention_id) ORDER BY i.negative DESC, i.published_at").fetchall()
    assert inbox == [("neg-old", True, True), ("neg-new", True, True), ("pos-old", False, False)]


def test_reply_performance_compares_every_brand_per_week(con) -> None:
    upsert_mentions(con, table(
        review("o1", rating=1, reply="Sorry!", reply_at=at(2)),
        review("o2", rating=2, reply="Sorry!", reply_at=at(30)),
        review("o3", rating=5),
        review("r1", brand=RIVAL, rating=1),
    ))
    got = con.execute("""SELECT brand, own, reviews, negative_reviews, answered, share_answered,
                                share_negative_within_sla, median_response_hours, p90_response_hours
                         FROM reply_performance ORDER BY brand""").fetchall()
    assert got == [
        (OWN, True, 3, 2, 2, round(2 / 3, 4), 0.5, 16.0, pytest.approx(27.2)),
        (RIVAL, False, 1, 1, 0, 0.0, 0.0, None, None),
    ]


def test_replies_that_differ_only_in_the_greeted_name_are_one_template(con) -> None:
    template = "{}, wat vervelend! Mail ons je ordernummer 123 en we lossen het op."
    rows = [review(f"t{i}", reply=template.format(f"Beste {name}"), reply_at=at(3))
            for i, name in enumerate(["Anna", "Kees de Vries", "J. Bakker"])]
    rows.append(review("own", reply="Dank voor je review, we hebben de bezorger gebeld.", reply_at=at(3)))
    upsert_mentions(con, table(*rows))
    got = con.execute("SELECT brand, replies, share_of_replies FROM canned_replies").fetchall()
    assert got == [(OWN, 3, 0.75)]


def test_a_staged_reply_time_that_is_not_a_timestamp_is_rejected_with_its_field() -> None:
    from warehouse.staging import parse_lines

    good = review("a", reply="Sorry!", reply_at="gisteren")
    batch = parse_lines([json.dumps(good), json.dumps(review("b", reply_at=at(3)))], origin="day.jsonl")
    assert batch.rejects == ["day.jsonl:1: reply_at: not an ISO 8601 timestamp: 'gisteren'"]
    assert batch.table.column("reply_at").to_pylist() == [None], "a reply time without a reply is not kept"
