"""Done-when of issue 14 on the demo site, through the real crawl and load steps (scrapy
subprocesses, no Prefect, no model): the demo is crawled as it stood at the start of today and
again as it is now; every brand gets reply KPIs and recovered customers, the inbox holds the
own brand's unanswered reviews, response times equal the site's reply delays, and the replies
posted this morning leave the inbox on the second run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from flows import steps
from flows.crawl import run_crawl
from klantstem.config import MonitorConfig, load_config
from klantstem.demo.pages import PER_PAGE
from klantstem.demo.server import DemoServer
from klantstem.demo.site import DemoSite, demo_config_toml
from tests.spider_helpers import TEST_SALT
from warehouse.connection import connect

pytestmark = pytest.mark.slow

TODAY = date(2026, 11, 20)


@dataclass
class Crawled:
    history: DemoSite  # the site with every reply and edit still to come
    config: MonitorConfig
    inbox_after_first_run: set[str]
    updated_by_second_run: int

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        with connect(self.config.warehouse.path, read_only=True) as con:
            return con.execute(query, params or []).fetchall()


def _run(config: MonitorConfig, run_id: str) -> int:
    """One crawl of every demo source and its load; returns the stored reviews it updated."""
    plan = steps.prepare_run(config, run_id)
    for job in plan.jobs:
        run_crawl(job, config.crawl, plan.run_dir, plan.seen_ids_file(job), TEST_SALT, True, plan.stop_ids_file(job))
    return sum(load.result.updated for load in steps.load_staged(config))


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    data = tmp_path_factory.mktemp("replies-demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KLANTSTEM_AUTHOR_SALT", TEST_SALT)
        with DemoServer(today=TODAY) as server:
            server.show_as_of(server.history.start_of_today())
            config_path = data / "monitor.toml"
            config_path.write_text(demo_config_toml(server.base_url, data_dir=str(data)), encoding="utf-8")
            config = load_config(config_path)
            _run(config, "first")
            with connect(config.warehouse.path, read_only=True) as con:
                first_inbox = {r[0] for r in con.execute(
                    "SELECT m.external_id FROM reply_inbox JOIN mentions AS m USING (mention_id)").fetchall()}
            server.show_as_of(None)
            updated = _run(config, "second")
            yield Crawled(server.history, config, first_inbox, updated)


def test_reply_kpis_and_recovered_customers_for_every_demo_brand(crawled: Crawled) -> None:
    brands = {b.name for b in crawled.history.brands}
    assert {r[0] for r in crawled.sql("SELECT DISTINCT brand FROM reply_performance WHERE answered > 0")} == brands
    recovered = crawled.sql("SELECT brand, rating_before, rating_after FROM recovered_customers")
    expected = sorted((r.brand, float(r.rating), float(r.update.rating)) for r in crawled.history.reviews if r.update)
    assert sorted(recovered) == expected, "each raised rating, from the version that was answered"


def test_the_inbox_is_the_own_brands_unanswered_reviews(crawled: Crawled) -> None:
    own = next(b.name for b in crawled.history.brands if b.own)
    now = crawled.history.as_seen(None)
    unanswered = {r.id for r in now.reviews if r.brand == own and r.channel == "trustpilot" and r.reply is None}
    inbox = crawled.sql("SELECT m.external_id, m.source, i.negative FROM reply_inbox AS i "
                        "JOIN mentions AS m USING (mention_id)")
    assert {brand for (brand,) in crawled.sql("SELECT DISTINCT brand FROM reply_inbox")} == {own}
    assert {i for i, source, _ in inbox if source == "trustpilot"} == unanswered
    assert any(negative for *_, negative in inbox)


def test_response_times_equal_the_sites_reply_delays(crawled: Crawled) -> None:
    stored = dict(crawled.sql("SELECT m.external_id, f.response_hours FROM reply_facts AS f "
                              "JOIN mentions AS m USING (mention_id) WHERE m.source = 'trustpilot' AND f.answered"))
    replied = [r for r in crawled.history.as_seen(None).reviews if r.channel == "trustpilot" and r.reply]
    assert len(stored) == len(replied)
    for review in replied:
        assert stored[review.id] == pytest.approx(review.reply.delay_hours(review), abs=1e-6), review.id


def test_a_reply_posted_after_the_first_run_leaves_the_inbox_with_its_response_time(crawled: Crawled) -> None:
    start = crawled.history.start_of_today()
    morning = [r for r in crawled.history.reviews if r.brand == "Snelkoop" and r.channel == "trustpilot"
               and r.reply and r.reply.published_at > start and r.published_at <= start]
    assert morning, "the demo answers some of the own brand's reviews this morning"
    for review in morning:
        assert review.id in crawled.inbox_after_first_run
        [(in_inbox, hours)] = crawled.sql(
            "SELECT m.mention_id IN (SELECT mention_id FROM reply_inbox), f.response_hours FROM mentions AS m "
            "JOIN reply_facts AS f USING (mention_id) WHERE m.external_id = ?", [review.id])
        assert not in_inbox
        assert hours == pytest.approx(review.reply.delay_hours(review), abs=1e-6)


def test_canned_replies_find_the_demos_reply_templates(crawled: Crawled) -> None:
    templates = crawled.sql("SELECT brand, replies FROM canned_replies WHERE brand = 'Snelkoop'")
    assert templates and all(n >= 3 for _, n in templates)


def test_the_second_run_reloads_exactly_the_reviews_that_changed_on_the_pages_it_read(crawled: Crawled) -> None:
    before = crawled.history.as_seen(crawled.history.start_of_today())
    after = crawled.history.as_seen(None)
    read = {r.id for b in after.brands for c in b.daily_reviews
            for r in after.listing(b, c)[: crawled.config.crawl.recheck_pages * PER_PAGE]}
    old = {r.id: (r.rating, r.text, r.reply) for r in before.reviews}
    changed = {r.id for r in after.reviews if r.id in old and r.id in read and old[r.id] != (r.rating, r.text, r.reply)}
    assert changed, "this morning's replies and raised ratings"
    assert crawled.updated_by_second_run == len(changed), "unchanged stored reviews are dropped by their digest"
