"""An edited review is the same review: a source without ids of its own (JSON-LD) gives an
edited review a new fallback id, and the load updates the stored row instead of storing it
twice - while two different reviews by the same person stay two (``warehouse.identity``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from flows.crawl import page_ids_file
from flows.steps import read_page_ids
from spiders.base import PAGE_IDS_FILE_SETTING
from spiders.pipelines import fallback_external_id
from spiders.spiders.jsonld import JsonLdSpider
from tests.spider_helpers import TEST_SALT, make_crawler
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate

AUTHOR = "0123456789abcdef"  # a pseudonym, as stored
OTHER_AUTHOR = "fedcba9876543210"
LONG_TEXT = "Bestelling kwam een dag te laat en de doos was beschadigd, maar de klantenservice hielp snel."


def ld(external_id: str, *, day: int = 0, text: str = LONG_TEXT, author: str = AUTHOR) -> dict:
    return row(external_id, source="jsonld", brand="Bestelhuis", day=day, text=text, author=author)


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "wh.duckdb") as connection:
        migrate(connection)
        yield connection


def stored(con) -> list[tuple[str, str, str]]:
    return con.execute("SELECT external_id, mention_id, text FROM mentions ORDER BY external_id").fetchall()


def test_an_edited_text_updates_the_stored_review_and_keeps_its_score_correction_and_aspects(con) -> None:
    upsert_mentions(con, table(ld("h:old")), page_ids={"h:old"})
    old_mid = con.execute("SELECT mention_id FROM mentions").fetchall()[0][0]
    con.execute("INSERT INTO sentiment_scores VALUES (?, 'm', 'x', 'neg', -0.8, 0.9, 0.05, 0.05, 'nl', now())",
                [old_mid])
    con.execute("INSERT INTO sentiment_correction_log VALUES (?, 'neu', 'anna', now(), 'mixed', 'm', 'neg')",
                [old_mid])
    con.execute("INSERT INTO aspect_tags VALUES (?, 1, 'delivery', 'te laat')", [old_mid])
    edited = LONG_TEXT + " Update: het is netjes opgelost."

    result = upsert_mentions(con, table(ld("h:new", text=edited)), page_ids={"h:new", "h:other"})

    assert (result.new, result.updated) == (0, 1)
    [(external_id, mention_id, text)] = stored(con)
    assert (external_id, text) == ("h:new", edited)
    assert mention_id != old_mid
    for name in ("sentiment_scores", "sentiment_correction_log", "aspect_tags", "current_scores"):
        assert con.execute(f"SELECT list(DISTINCT mention_id) FROM {name}").fetchall()[0][0] == [mention_id], name


def test_a_fixed_typo_on_the_same_date_is_the_same_review(con) -> None:
    upsert_mentions(con, table(ld("h:old")), page_ids={"h:old"})
    upsert_mentions(con, table(ld("h:new", text=LONG_TEXT.replace("beschadigd", "beschadgd"))), page_ids={"h:new"})
    assert [r[0] for r in stored(con)] == ["h:new"]


def test_a_moved_date_with_the_same_text_is_the_same_review(con) -> None:
    upsert_mentions(con, table(ld("h:old", day=-3)), page_ids={"h:old"})
    result = upsert_mentions(con, table(ld("h:new", day=0)), page_ids={"h:new"})
    assert (result.new, result.updated) == (0, 1)
    assert [r[0] for r in stored(con)] == ["h:new"]
    days = con.execute("SELECT CAST(day AS VARCHAR), volume FROM daily_aggregates").fetchall()
    assert days == [("2026-11-01", 1)], "the review counts on its new day only"


def test_same_author_two_different_reviews_stay_two(con) -> None:
    upsert_mentions(con, table(ld("h:first", day=-30)), page_ids={"h:first"})
    result = upsert_mentions(con, table(ld("h:second", text="Weer besteld, dit keer alles perfect en snel.")),
                             page_ids={"h:second"})
    assert (result.new, result.updated) == (1, 0)
    assert [r[0] for r in stored(con)] == ["h:first", "h:second"]


def test_same_author_same_short_text_on_another_day_stays_two(con) -> None:
    upsert_mentions(con, table(ld("h:first", day=-30, text="Prima!")), page_ids={"h:first"})
    upsert_mentions(con, table(ld("h:second", text="Prima!")), page_ids={"h:second"})
    assert len(stored(con)) == 2


def test_a_review_still_on_the_page_is_not_replaced_by_a_similar_one(con) -> None:
    upsert_mentions(con, table(ld("h:first")), page_ids={"h:first"})
    similar = LONG_TEXT.replace("een dag", "twee dagen")
    upsert_mentions(con, table(ld("h:second", text=similar)), page_ids={"h:first", "h:second"})
    assert len(stored(con)) == 2


def test_other_authors_and_unknown_pages_are_never_matched(con) -> None:
    upsert_mentions(con, table(ld("h:first")), page_ids={"h:first"})
    upsert_mentions(con, table(ld("h:by-other", text=LONG_TEXT + "!", author=OTHER_AUTHOR)), page_ids={"h:by-other"})
    upsert_mentions(con, table(ld("h:no-list", text=LONG_TEXT + "?")), page_ids=None)
    assert len(stored(con)) == 3


def test_one_stored_review_is_never_given_to_two_incoming_ones(con) -> None:
    upsert_mentions(con, table(ld("h:old")), page_ids={"h:old"})
    upsert_mentions(con, table(ld("h:a", text=LONG_TEXT + " A."), ld("h:b", text=LONG_TEXT + " B.")),
                    page_ids={"h:a", "h:b"})
    assert [r[0] for r in stored(con)] == ["h:a", "h:b", "h:old"]


def test_the_spider_lists_every_id_it_read_on_its_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    staged = tmp_path / "jsonld__bestelhuis.jsonl"
    ids_file = page_ids_file(staged.with_name(staged.name + ".part"))  # the name the crawl writes into
    crawler = make_crawler(JsonLdSpider, url="https://shop.example/r", brand="Bestelhuis", source="jsonld",
                           extra_settings={PAGE_IDS_FILE_SETTING: str(ids_file)})
    html = """<script type="application/ld+json">{"@type": "Product", "review": [
        {"author": "Kees", "datePublished": "2026-11-18", "reviewBody": "Prima geholpen"},
        {"author": "Anna", "datePublished": "2026-11-17", "reviewBody": "Te laat"}]}</script>"""
    response = HtmlResponse("https://shop.example/r", body=html.encode(), encoding="utf-8")
    list(crawler.spider.parse(response))
    crawler.spider.closed("finished")
    expected = {fallback_external_id("Bestelhuis", "Kees", "2026-11-18T00:00:00+00:00", "Prima geholpen", TEST_SALT),
                fallback_external_id("Bestelhuis", "Anna", "2026-11-17T00:00:00+00:00", "Te laat", TEST_SALT)}
    assert read_page_ids(staged) == expected
    assert read_page_ids(tmp_path / "trustpilot__bestelhuis.jsonl") is None


def test_an_edit_that_moved_both_date_and_text_is_the_same_review_under_the_newest_id(con) -> None:
    upsert_mentions(con, table(ld("h:old", day=-3), ld("h:neighbour", day=-4, author=OTHER_AUTHOR,
                                                       text="Andere klant, ander verhaal.")),
                    page_ids={"h:old", "h:neighbour"})
    old_mid = con.execute("SELECT mention_id FROM mentions WHERE external_id = 'h:old'").fetchone()[0]
    edited = LONG_TEXT.replace("snel", "heel snel") + " Update: opgelost!"

    # The site re-dated the edit; the pages read still reach back to day -4, where the old version would be listed.
    result = upsert_mentions(con, table(ld("h:new", day=0, text=edited)), page_ids={"h:new", "h:neighbour"})

    assert (result.new, result.updated) == (0, 1)
    assert [r[0] for r in stored(con)] == ["h:neighbour", "h:new"]
    new_mid = con.execute("SELECT mention_id FROM mentions WHERE external_id = 'h:new'").fetchone()[0]
    versions = con.execute("SELECT mention_id, external_id, text FROM mention_versions").fetchall()
    assert versions == [(new_mid, "h:old", LONG_TEXT)], "the earlier version is kept under the id it was published with"
    assert new_mid != old_mid


def test_a_moved_date_and_text_stays_two_reviews_when_the_old_date_lies_beyond_the_pages_read(con) -> None:
    upsert_mentions(con, table(ld("h:old", day=-30)), page_ids={"h:old"})
    edited = LONG_TEXT + " Update: opgelost!"
    # Only today's page was read: the old review may well still be listed further back.
    upsert_mentions(con, table(ld("h:new", day=0, text=edited)), page_ids={"h:new"})
    assert [r[0] for r in stored(con)] == ["h:new", "h:old"]
    assert con.execute("SELECT count(*) FROM mention_versions").fetchone()[0] == 0
