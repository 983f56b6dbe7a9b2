"""Pseudonyms stay pseudonyms: the id a review without a source id gets cannot be traced back
to its author's name from a list of guesses, without the secret salt."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from spiders.items import ReviewItem
from spiders.pipelines import fallback_external_id, resolve_external_id
from spiders.spiders.jsonld import JsonLdSpider
from tests.spider_helpers import TEST_SALT, make_crawler, run_pipelines
from tests.warehouse_helpers import row, table
from warehouse.connection import connect
from warehouse.load import known_external_ids, upsert_mentions
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


def test_a_review_stored_under_its_unkeyed_id_keeps_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviews stored before ids were keyed are recognised by their old id: no second copy."""
    unkeyed = fallback_external_id(author="Kees", **REVIEW)
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        upsert_mentions(con, table(row(unkeyed, source="ld", brand="Bestelhuis", day=-400),
                                   *(row(f"new-{i}", source="ld", brand="Bestelhuis") for i in range(3))))
        seen = known_external_ids(con, "ld", "Bestelhuis", limit=2)
    assert unkeyed in seen, "old unkeyed ids are listed beyond the newest ones"
    item = ReviewItem("ld", "Bestelhuis", None, "u", published_at="2026-11-18", text="Prima geholpen", author="Kees")
    assert resolve_external_id(item, True, TEST_SALT, frozenset(seen)) == unkeyed
    assert resolve_external_id(item, True, TEST_SALT, frozenset()) == fallback_external_id(
        author="Kees", salt=TEST_SALT, **REVIEW)
