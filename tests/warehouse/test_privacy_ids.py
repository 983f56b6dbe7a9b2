"""Pseudonyms stay pseudonyms: the id a review without a source id gets cannot be traced back
to its author's name from a list of guesses, without the secret salt."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from flows.crawl import CrawlJob
from flows.steps import own_id_sources
from spiders.items import ReviewItem
from spiders.pipelines import fallback_external_id
from spiders.spiders.jsonld import JsonLdSpider
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.identity import rekey_unkeyed_fallback_ids
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate

REVIEW = dict(brand="Bestelhuis", published_at="2026-11-18T00:00:00+00:00", text="Prima geholpen")
GUESSES = ["Kees", "Jan de Vries", "Anoniem", "Fatima", "Sanne B."]


def test_a_guess_list_does_not_map_fallback_ids_back_to_names() -> None:
    stored = fallback_external_id(author="Jan de Vries", salt=TEST_SALT, **REVIEW)
    unkeyed = {fallback_external_id(author=name, **REVIEW): name for name in GUESSES}
    sha1 = {hashlib.sha1("|".join((REVIEW["brand"], name, REVIEW["published_at"], REVIEW["text"])).encode()).hexdigest()
            for name in GUESSES}
    assert stored not in unkeyed and stored not in sha1
    assert stored != fallback_external_id(author="Jan de Vries", salt="another-salt", **REVIEW)
    assert stored == fallback_external_id(author="Jan de Vries", salt=TEST_SALT, **REVIEW), "stable across runs"


def test_crawled_fallback_ids_are_keyed_with_the_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
    crawler = make_crawler(JsonLdSpider, url="https://shop.example/r", brand="Bestelhuis", source="ld")
    item = ReviewItem("ld", "Bestelhuis", None, "https://shop.example/r", published_at="2026-11-18",
                      text="Prima geholpen", author="Jan de Vries")
    done = run_pipelines(crawler, item)
    assert done.external_id == fallback_external_id(author="Jan de Vries", salt=TEST_SALT, **REVIEW)
    assert done.external_id.startswith("h:")


def unkeyed(author: str, review: dict[str, str] = REVIEW) -> str:
    """The id reviews got before ids were keyed: ``sha1(brand|author|published_at|text)``."""
    fields = (review["brand"], author, review["published_at"], review["text"])
    return hashlib.sha1("|".join(fields).encode()).hexdigest()


def as_before_ids_were_keyed(con) -> None:
    """A warehouse migrated up to, not including, 040 (which lists the unkeyed ids)."""
    migrate(con)
    con.execute("DELETE FROM schema_migrations WHERE version = 40; DROP TABLE unkeyed_fallback_ids")


def test_reviews_stored_under_unkeyed_ids_are_rekeyed_to_what_a_crawl_computes(tmp_path: Path) -> None:
    """Old ids no longer map back to names, and the next crawl finds the review stored (no copy)."""
    old = unkeyed("Kees")
    old_mid = hashlib.md5(f"ld:{old}".encode()).hexdigest()
    with connect(tmp_path / "wh.duckdb") as con:
        as_before_ids_were_keyed(con)
        upsert_mentions(con, table(row(old, source="ld", brand="Bestelhuis", text=REVIEW["text"]),
                                   row("own-id-" + "a" * 33, source="ld", brand="Bestelhuis")))
        con.execute("INSERT INTO sentiment_scores VALUES (?, 'm', 'x', 'pos', 0.8, 0.05, 0.15, 0.8, 'nl', now())",
                    [old_mid])
        con.execute("INSERT INTO sentiment_correction_log VALUES (?, 'neu', 'anna', now(), NULL, 'm', 'pos')", [old_mid])
        con.execute("INSERT INTO mention_terms VALUES (?, 'geholp', 'geholpen')", [old_mid])
        con.execute("""INSERT INTO alerts VALUES (DEFAULT, 'volume', 'Bestelhuis', 'ld', 'open', 'daily', now(), now(),
                       now(), now(), now(), NULL, 1, 1, 1, 1, 0.01, 'poisson', 1, 1, 1, 1, false, [?, 'other'], [],
                       now(), now(), '')""", [old_mid])
        migrate(con)  # 040 lists the unkeyed ids
        changed = rekey_unkeyed_fallback_ids(con, TEST_SALT, own_id_sources=set())
        again = rekey_unkeyed_fallback_ids(con, TEST_SALT, own_id_sources=set())
        ids = {r[0] for r in con.execute("SELECT external_id FROM mentions").fetchall()}
        crawled = fallback_external_id(author="Kees", salt=TEST_SALT, **REVIEW)
        new_mid = hashlib.md5(f"ld:{crawled}".encode()).hexdigest()
        referring = {name: con.execute(f"SELECT list(mention_id) FROM {name}").fetchall()[0][0]
                     for name in ("sentiment_scores", "sentiment_correction_log", "mention_terms", "current_scores")}
        samples = con.execute("SELECT sample_mention_ids FROM alerts").fetchall()[0][0]
        crawl = upsert_mentions(con, table(row(crawled, source="ld", brand="Bestelhuis", text=REVIEW["text"])))
    assert (changed, again) == (1, 0)
    assert crawled in ids and old not in ids
    assert not ids & {unkeyed(name) for name in GUESSES}, "no guess maps to a stored id"
    assert referring["sentiment_scores"] == referring["sentiment_correction_log"] == referring["mention_terms"] == [new_mid]
    assert new_mid in referring["current_scores"] and old_mid not in referring["current_scores"]
    assert samples == [new_mid, "other"]
    assert (crawl.new, crawl.updated) == (0, 1), "the next crawl of the review finds it stored"


def test_ids_of_sources_with_their_own_ids_are_not_rekeyed(tmp_path: Path) -> None:
    own = "0123456789abcdef0123456789abcdef01234567"  # a source's own id that looks like a sha1
    with connect(tmp_path / "wh.duckdb") as con:
        as_before_ids_were_keyed(con)
        upsert_mentions(con, table(row(own, source="api")))
        migrate(con)
        assert rekey_unkeyed_fallback_ids(con, TEST_SALT, own_id_sources={"api"}) == 0
        assert con.execute("SELECT list(external_id) FROM mentions").fetchall()[0][0] == [own]
        assert con.execute("SELECT count(*) FROM unkeyed_fallback_ids").fetchall()[0][0] == 0


def test_only_spiders_without_ids_of_their_own_count_as_fallback_sources() -> None:
    jobs = [CrawlJob("B", "ld", "jsonld", "https://x.example", 1), CrawlJob("B", "tp", "trustpilot", "https://y.example", 1)]
    assert own_id_sources(jobs) == {"tp"}
