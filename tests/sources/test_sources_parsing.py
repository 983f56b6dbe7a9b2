"""Page parsing per source, on hand-written samples in the sources' real shapes.

Each source: a normal page becomes raw items with the contract's fields; paging reads the
source's own cursor; a page in a changed format is an error naming the URL, while a page
that is simply empty is not.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from spiders import CrawlSetupError, PageParseError
from spiders.base import PageResult
from spiders.items import ReviewItem
from spiders.middlewares import RATE_LIMIT_META
from spiders.spiders import appstore, bluesky, googleplay, kiyoh, mastodon, reddit, rss
from spiders.stats import build_summary
from tests.source_fixtures import fixture_json, fixture_text
from tests.spider_helpers import make_crawler

BASE = "https://fixture.example"


def response(
    url: str,
    body: str | bytes,
    *,
    page: int = 1,
    headers: dict[str, str] | None = None,
    cls: type[TextResponse] = TextResponse,
) -> TextResponse:
    request = Request(url, cb_kwargs={"page": page, "listing": None})
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return cls(url, body=raw, encoding="utf-8", request=request, headers=headers)


# ------------------------------------------------------------------------ App Store

APPSTORE_PAGE = fixture_json("appstore/customerreviews_page1.json")


def test_appstore_skips_the_app_entry_and_maps_reviews():
    feed = appstore.parse_feed(APPSTORE_PAGE, "u")
    reviews = [e for e in appstore.entries(feed) if appstore.is_review(e)]
    assert len(appstore.entries(feed)) == 4 and len(reviews) == 3
    item = appstore.review_item(reviews[0], brand="Snelkoop", source="appstore", country="nl", app_id="1234567890")
    assert item == ReviewItem(
        source="appstore", brand="Snelkoop", external_id="11987654321",
        url="https://apps.apple.com/nl/app/id1234567890?see-all=reviews",
        published_at="2026-11-24T13:05:44-07:00", title="Crasht bij afrekenen",
        text="Sinds de laatste update loopt de app vast zodra ik wil betalen. Via de website lukt het wel.",
        rating="2", rating_min=1, rating_max=5, author="Fleur uit Zwolle",
    )  # fmt: skip


def test_appstore_entry_is_a_list_an_object_or_absent():
    feed = APPSTORE_PAGE["feed"]
    assert appstore.entries({**feed, "entry": feed["entry"][1]}) == [feed["entry"][1]]
    assert appstore.entries({k: v for k, v in feed.items() if k != "entry"}) == []
    assert appstore.last_page(feed) == 10


def test_appstore_feed_url_follows_apples_scheme():
    assert appstore.feed_url("https://itunes.apple.com/", "be", "1234567890", 3) == (
        "https://itunes.apple.com/be/rss/customerreviews/page=3/id=1234567890/sortby=mostrecent/json"
    )


@pytest.mark.parametrize(
    ("page", "body", "next_page"),
    [
        (1, APPSTORE_PAGE, 2),
        (9, APPSTORE_PAGE, 10),
        (10, APPSTORE_PAGE, None),  # Apple serves 10 pages at most
        (1, {"feed": {k: v for k, v in APPSTORE_PAGE["feed"].items() if k != "entry"}}, None),  # empty
        (1, {"feed": {**APPSTORE_PAGE["feed"], "entry": APPSTORE_PAGE["feed"]["entry"][0]}}, None),  # app only
    ],
)
def test_appstore_spider_pages_until_an_empty_page_or_page_ten(page, body, next_page):
    spider = make_crawler(appstore.AppStoreSpider, url=BASE, brand="Snelkoop", app_id="1234567890").spider
    url = appstore.feed_url(BASE, "nl", "1234567890", page)
    result = spider.parse_page(response(url, json.dumps(body), page=page))
    assert result.next_url == (appstore.feed_url(BASE, "nl", "1234567890", next_page) if next_page else None)


def test_appstore_max_pages_is_capped_at_ten_and_app_id_is_required():
    assert make_crawler(appstore.AppStoreSpider, url=BASE, brand="B", app_id="1", max_pages="50").spider.max_pages == 10
    with pytest.raises(CrawlSetupError, match="app_id=''"):
        make_crawler(appstore.AppStoreSpider, url=BASE, brand="B")
    with pytest.raises(CrawlSetupError, match="country='NLD'"):
        make_crawler(appstore.AppStoreSpider, url=BASE, brand="B", app_id="1", country="NLD")


@pytest.mark.parametrize("body", ['{"resultCount": 0, "results": []}', "<html>Service Unavailable</html>"])
def test_appstore_changed_format_is_an_error_naming_the_url(body):
    spider = make_crawler(appstore.AppStoreSpider, url=BASE, brand="Snelkoop", app_id="1234567890").spider
    url = appstore.feed_url(BASE, "nl", "1234567890", 1)
    with pytest.raises(PageParseError, match=f"^{url}: "):
        spider.parse_page(response(url, body))


# ---------------------------------------------------------------------- Google Play

PLAY_PAGE = fixture_text("googleplay/batchexecute_page1.txt")


def test_google_play_reads_the_double_wrapped_payload_and_its_token():
    payload = googleplay.parse_payload(PLAY_PAGE, "u")
    reviews = googleplay.reviews_in(payload)
    assert len(reviews) == 3
    assert googleplay.next_token(payload) == "CsMBCrwBKrkBCjEI_fixture_token_page_2"
    item = googleplay.review_item(
        reviews[0],
        brand="Snelkoop",
        source="googleplay",
        app_page=f"{BASE}/store/apps/details?id=nl.snelkoop.app&hl=nl",
    )
    assert (item.external_id, item.rating, item.author, item.published_at) == (
        "9c1f6b1e-4a1e-4a51-9d2e-6f0a1b2c3d01",
        1,
        "Sanne de Boer",
        "2026-11-24T17:00:00+00:00",
    )
    assert item.reply == "Vervelend! Wil je ons mailen via de klantenservice? Dan kijken we met je mee."
    assert item.reply_at == "2026-11-24T19:00:00+00:00", "[7][2][0]: the reply's unix seconds, two hours later"
    assert item.url.endswith("&reviewId=9c1f6b1e-4a1e-4a51-9d2e-6f0a1b2c3d01")
    assert googleplay.review_item(reviews[1], brand="B", source="g", app_page="p").reply is None


def test_google_play_request_body_is_the_form_the_web_app_sends():
    form = parse_qs(googleplay.request_body("nl.snelkoop.app", "tok-2", count=40))
    rpc, inner, _, kind = json.loads(form["f.req"][0])[0][0]
    assert (rpc, kind) == ("oCPfdb", "generic")
    assert json.loads(inner)[1][:3] == [2, 2, [40, None, "tok-2"]] and json.loads(inner)[2] == ["nl.snelkoop.app", 7]
    assert json.loads(json.loads(parse_qs(googleplay.request_body("a.b", None))["f.req"][0])[0][0][1])[1][2][2] is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (fixture_text("googleplay/batchexecute_unknown_app.txt"), r"returned no data \(error \[5\]\); wrong app id"),
        ("<!doctype html><title>Error 400</title>", "not JSON"),
        (')]}\'\n\n[["di",12]]', "no oCPfdb envelope"),
    ],
)
def test_google_play_errors_are_failed_pages(text, reason):
    with pytest.raises(PageParseError, match=reason):
        googleplay.parse_payload(text, "https://play.example/batch")


def test_google_play_spider_posts_the_next_token_and_stops_without_one():
    spider = make_crawler(googleplay.GooglePlaySpider, url=BASE, brand="Snelkoop", app_id="nl.snelkoop.app").spider
    assert spider.start_url == f"{BASE}/_/PlayStoreUi/data/batchexecute?hl=nl&gl=nl"
    result = spider.parse_page(response(spider.start_url, PLAY_PAGE))
    assert result.next_url == spider.start_url and "CsMBCrwB" in parse_qs(result.next_body)["f.req"][0]
    last = PLAY_PAGE.replace('[null,\\"CsMBCrwBKrkBCjEI_fixture_token_page_2\\"]', "null")
    assert spider.parse_page(response(spider.start_url, last)).next_url is None


# --------------------------------------------------------------------------- Reddit

REDDIT_NEW = fixture_json("reddit/new.json")
REDDIT_COMMENTS = fixture_json("reddit/comments.json")


def test_reddit_listing_gives_posts_and_the_after_cursor():
    things, after = reddit.parse_listing(REDDIT_NEW, "u")
    assert after == "t3_1h0c3x9" and len(things) == 3
    self_post, link_post, removed = (
        reddit.thing_item(t, brand="Jumbo", source="reddit", base="https://www.reddit.com/") for t in things
    )
    assert (self_post.external_id, self_post.kind, self_post.title) == (
        "t3_1h0c5aa",
        "post",
        "Zelfscankassa's kapot bij de Jumbo",
    )
    assert self_post.text.startswith("Bij de Jumbo in Utrecht") and "& niemand" in self_post.text
    assert (
        self_post.url == "https://www.reddit.com/r/thenetherlands/comments/1h0c5aa/zelfscankassas_kapot_bij_de_jumbo/"
    )
    assert (self_post.published_at, self_post.author) == ("2026-11-25T09:30:00+00:00", "fietsendeFrits")
    assert link_post.text == "Snelkoop stopt met gratis retourneren"  # a link post: its title is its text
    assert (removed.text, removed.author) == (None, None)  # [removed] / [deleted] are no text or author


def test_reddit_comments_are_comments():
    things, after = reddit.parse_listing(REDDIT_COMMENTS, "u")
    comment = reddit.thing_item(things[0], brand="Winkelwagen", source="reddit", base="https://www.reddit.com/")
    assert after is None
    assert (comment.kind, comment.external_id, comment.title) == ("comment", "t1_lz9k2mq", None)
    assert comment.text == "Dan bestel ik voortaan gewoon bij Winkelwagen, daar is retour nog gratis."
    assert comment.url.endswith("/snelkoop_stopt_met_gratis_retourneren/lz9k2mq/")


def test_reddit_spider_builds_listing_urls_with_raw_json_and_after():
    assert reddit.listing_url("https://www.reddit.com/", "thenetherlands", "comments", "t1_x") == (
        "https://www.reddit.com/r/thenetherlands/comments.json?limit=100&raw_json=1&after=t1_x"
    )
    spider = make_crawler(reddit.RedditSpider, url=BASE, brand="Jumbo", subreddits="thenetherlands").spider
    url = reddit.listing_url(BASE, "thenetherlands", "new")
    assert spider.parse_page(response(url, json.dumps(REDDIT_NEW))).next_url == url + "&after=t3_1h0c3x9"
    assert spider.parse_page(response(url, json.dumps(REDDIT_COMMENTS))).next_url is None


def test_reddit_error_pages():
    with pytest.raises(PageParseError, match="not a Reddit Listing"):
        reddit.parse_listing({"kind": "t2", "data": {}}, "u")
    spider = make_crawler(reddit.RedditSpider, url=BASE, brand="Jumbo", subreddits="x").spider
    blocked = response(f"{BASE}/r/besloten/new.json", fixture_text("reddit/private.json"))
    blocked.status = 403
    assert spider.explain_http_error(blocked) == "the subreddit is private"
    with pytest.raises(CrawlSetupError, match="'subreddits' is required"):
        make_crawler(reddit.RedditSpider, url=BASE, brand="Jumbo")


# ------------------------------------------------------------------------- Mastodon

STATUSES = fixture_json("mastodon/tag_snelkoop.json")


def test_mastodon_status_becomes_a_post_with_a_global_id():
    local, remote = (
        mastodon.status_item(s, brand="Snelkoop", source="mastodon", instance_host="mastodon.nl") for s in STATUSES
    )
    assert local.external_id == "https://mastodon.nl/users/anouk/statuses/113550123400000003"
    assert (local.url, local.kind, local.language) == ("https://mastodon.nl/@anouk/113550123400000003", "post", "nl")
    assert local.author == "anouk@mastodon.nl" and remote.author == "bram@social.example"
    assert local.text.startswith("<p>Pakketje van <a") and local.published_at == "2026-11-24T19:02:11.000Z"
    assert (local.title, remote.title) == (None, "klaagpost")  # the content warning is the title
    boost = {**STATUSES[0], "id": "9", "reblog": STATUSES[1], "content": ""}
    assert mastodon.status_item(boost, brand="B", source="m", instance_host="h").external_id == STATUSES[1]["uri"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            '<https://m.nl/api/v1/timelines/tag/x?max_id=7>; rel="next", '
            '<https://m.nl/api/v1/timelines/tag/x?min_id=9>; rel="prev"',
            "https://m.nl/api/v1/timelines/tag/x?max_id=7",
        ),
        ('<https://m.nl/api/v1/timelines/tag/x?min_id=9>; rel="prev"', None),
        (None, None),
    ],
)
def test_mastodon_pages_follow_the_link_header(header, expected):
    assert mastodon.link_next(header) == expected


def test_mastodon_spider_reads_timelines_and_search_results():
    spider = make_crawler(
        mastodon.MastodonSpider, url="https://mastodon.nl", brand="Snelkoop", hashtags="#snelkoop", query="snelkoop"
    ).spider
    assert spider.hashtags == ["snelkoop"]
    url = mastodon.tag_url("https://mastodon.nl", "snelkoop")
    link = '<https://mastodon.nl/api/v1/timelines/tag/snelkoop?max_id=113550123400000002>; rel="next"'
    page = spider.parse_page(response(url, json.dumps(STATUSES), headers={"Link": link}))
    assert len(page.items) == 2 and page.next_url.endswith("max_id=113550123400000002")
    assert spider.parse_page(response(url, "[]", headers={"Link": link})).next_url is None
    search = mastodon.search_url("https://mastodon.nl", "snelkoop")
    found = spider.parse_page(response(search, json.dumps({"accounts": [], "statuses": STATUSES, "hashtags": []})))
    assert found.next_url.endswith("max_id=113550123400000002")
    with pytest.raises(PageParseError, match="neither a list of statuses"):
        spider.parse_page(response(url, '{"error": "Record not found"}'))


def test_mastodon_posts_of_accounts_that_opted_out_of_indexing_are_not_stored():
    spider = make_crawler(mastodon.MastodonSpider, url="https://mastodon.nl", brand="B", hashtags="x").spider
    hidden = {**STATUSES[1], "account": {**STATUSES[1]["account"], "noindex": True}}
    page = spider.parse_page(response(mastodon.tag_url("https://mastodon.nl", "x"), json.dumps([STATUSES[0], hidden])))
    assert [i.external_id for i in page.items] == [STATUSES[0]["uri"]]
    assert spider.crawler.stats.get_value("klantstem/dropped/opted_out") == 1


def test_mastodon_401_says_public_previews_are_off():
    spider = make_crawler(mastodon.MastodonSpider, url="https://mastodon.nl", brand="B", hashtags="x").spider
    refused = response(
        "https://mastodon.nl/api/v1/timelines/tag/x", '{"error": "This API requires an authenticated user"}'
    )
    refused.status = 401
    assert "public preview disabled" in spider.explain_http_error(refused)


# -------------------------------------------------------------------------- Bluesky

BSKY = fixture_json("bluesky/search_snelkoop.json")


def test_bluesky_post_view_becomes_a_post_with_a_web_link():
    posts, cursor = bluesky.parse_search(BSKY, "u")
    assert cursor == "25" and len(posts) == 2
    item = bluesky.post_item(posts[0], brand="Snelkoop", source="bluesky")
    assert item.external_id == "at://did:plc:aaaafixture1/app.bsky.feed.post/3lbxq2vfixture"
    assert item.url == "https://bsky.app/profile/lotte.bsky.social/post/3lbxq2vfixture"
    assert (item.language, item.author, item.published_at) == ("nl", "lotte.bsky.social", "2026-11-24T16:20:31.512Z")
    assert item.text.startswith("Snelkoop heeft mijn bestelling")
    with pytest.raises(PageParseError, match="no 'posts' list"):
        bluesky.parse_search({"error": "InvalidRequest"}, "u")


def test_bluesky_searches_each_keyword_unless_a_query_is_given():
    many = make_crawler(
        bluesky.BlueskySpider, url="https://bsky.social", brand="Snelkoop", keywords='["Snelkoop", "snelkoop.nl"]'
    ).spider
    one = make_crawler(
        bluesky.BlueskySpider, url="https://bsky.social", brand="Snelkoop", query="snelkoop retour", language="nl"
    ).spider
    assert many.queries == ["Snelkoop", "snelkoop.nl"] and one.queries == ["snelkoop retour"]
    assert bluesky.search_url("https://bsky.social/", "snelkoop retour", "nl") == (
        "https://bsky.social/xrpc/app.bsky.feed.searchPosts?q=snelkoop+retour&sort=latest&limit=100&lang=nl"
    )


# ---------------------------------------------------------------------------- Kiyoh

KIYOH_URL = "https://www.kiyoh.com/reviews/1047385/snelkoop?lang=nl"


def test_kiyoh_embedded_review_json_on_a_one_to_ten_scale():
    page = kiyoh.extract_page(
        fixture_text("kiyoh/embedded_page0.html"), KIYOH_URL, brand="Snelkoop", source="kiyoh", listing_url=KIYOH_URL
    )
    assert page.total == 5 and len(page.reviews) == 3
    first, second, third = page.reviews
    assert (first.external_id, first.rating, first.rating_min, first.rating_max) == (
        "4f0c2a71-1b2c-4d5e-8f90-aa0000000005",
        9,
        1,
        10,
    )
    assert (first.title, first.author, first.published_at) == (
        "Snel geleverd",
        "Marieke",
        "2026-11-24T10:15:22.000+01:00",
    )
    assert first.text.startswith("Woensdag besteld") and first.reply is None
    assert (second.language, second.reply) == ("nl-BE", "Beste Dirk, excuses! Je terugbetaling staat inmiddels klaar.")
    assert third.text == "Prima!"  # no opinion written: the headline is the text


def test_kiyoh_microdata_when_there_is_no_embedded_json():
    page = kiyoh.extract_page(
        fixture_text("kiyoh/microdata_page0.html"),
        "https://kv.example/reviews/1/b",
        brand="Bestelhuis",
        source="kiyoh",
        listing_url="https://kv.example/reviews/1/b",
    )
    henk, yvonne = page.reviews
    assert (henk.external_id, henk.author, henk.title, henk.published_at) == (
        "kv-88120",
        "Henk",
        "Vlot geregeld",
        "2026-11-21",
    )
    assert (henk.rating, henk.rating_min, henk.rating_max) == ("8", "1", "10")
    assert henk.text.startswith("Keukenkastjes netjes bezorgd")
    assert (yvonne.author, yvonne.rating, yvonne.rating_max, yvonne.title) == ("Yvonne", "6,5", 10, None)
    assert yvonne.published_at == "2026-11-18T14:30:00+01:00" and page.total == 2


def test_kiyoh_changed_markup_is_an_error_but_an_empty_company_is_not():
    with pytest.raises(PageParseError, match="no Kiyoh review data"):
        kiyoh.extract_page(
            fixture_text("kiyoh/changed_markup.html"), KIYOH_URL, brand="B", source="k", listing_url=KIYOH_URL
        )
    empty = fixture_text("kiyoh/embedded_page0.html")
    start, end = empty.index('"reviews": ['), empty.index("]}\n</script>")
    empty = empty[:start] + '"reviews": [' + empty[end:]
    page = kiyoh.extract_page(empty, KIYOH_URL, brand="B", source="k", listing_url=KIYOH_URL)
    assert page.reviews == [] and kiyoh.next_page_url(page, KIYOH_URL) is None


@pytest.mark.parametrize(
    ("url", "count", "total", "size", "expected"),
    [
        (KIYOH_URL, 10, 23, 10, KIYOH_URL + "&pageNumber=1"),
        (KIYOH_URL + "&pageNumber=1", 10, 23, 10, KIYOH_URL + "&pageNumber=2"),
        (KIYOH_URL + "&pageNumber=1", 10, 20, 10, None),  # total reached
        (KIYOH_URL + "&pageNumber=2", 3, None, 10, None),  # a short page is the last
        (KIYOH_URL, 10, None, None, KIYOH_URL + "&pageNumber=1"),
    ],
)
def test_kiyoh_paging(url, count, total, size, expected):
    reviews = [ReviewItem("k", "B", str(i), url) for i in range(count)]
    assert kiyoh.next_page_url(kiyoh.KiyohPage(reviews, total, None), url, size) == expected


# ------------------------------------------------------------------------------ RSS

FEED = fixture_text("rss/nieuws.xml").replace("{base}", BASE)
ATOM = fixture_text("rss/tech.atom").replace("{base}", BASE)


def test_rss_entries_become_posts_keyed_by_article_link():
    parsed = rss.parse_feed(FEED.encode(), f"{BASE}/feeds/economie.xml", "application/rss+xml")
    assert parsed.feed.language == "nl-NL" and len(parsed.entries) == 5
    item = rss.entry_item(parsed.entries[0], brand="Jumbo", source="rss", feed_url="f", language="nl-NL")
    assert (item.external_id, item.url, item.kind) == (f"{BASE}/artikel/jumbo-zelfscan",) * 2 + ("post",)
    assert (item.title, item.published_at, item.author) == (
        "Jumbo sluit zelfscankassa's na storing",
        "2026-11-24T13:30:00+00:00",
        "Redactie Economie",
    )
    assert item.text == "Klanten stonden urenlang in de rij."  # the HTML summary, cleaned here


def test_atom_entries_too():
    parsed = rss.parse_feed(ATOM.encode(), f"{BASE}/feeds/tech.atom", "application/atom+xml")
    item = rss.entry_item(parsed.entries[0], brand="Jumbo", source="rss", feed_url="f", language=None)
    assert (item.url, item.author, item.published_at) == (
        f"{BASE}/artikel/jumbo-robots",
        "Sem Visser",
        "2026-11-24T19:45:00+00:00",
    )


@pytest.mark.parametrize(
    "body", [b"<!DOCTYPE html><html><body><h1>Verhuisd</h1></body></html>", b'{"error": "feed moved"}', b""]
)
def test_something_that_is_not_a_feed_is_an_error(body):
    with pytest.raises(PageParseError, match="not an RSS/Atom feed"):
        rss.parse_feed(body, "https://news.example/feed", "text/html")


def test_an_empty_feed_is_not_an_error():
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Leeg</title></channel></rss>'
    assert rss.parse_feed(empty, "https://news.example/feed").entries == []


def test_article_text_is_the_main_text_without_menus_comments_or_footer():
    text = rss.extract_article_text(fixture_text("rss/article_jumbo-zelfscan.html"), f"{BASE}/artikel/jumbo-zelfscan")
    assert "In tientallen filialen van Jumbo" in text and "krijgen geen compensatie" in text
    assert len(text.splitlines()) >= 3  # paragraphs kept
    for boilerplate in ("Word abonnee", "Reacties", "Eindelijk eens aandacht", "Colofon", "Meer nieuws"):
        assert boilerplate not in text


def test_rss_spider_fetches_only_unseen_articles_that_mention_the_brand(tmp_path):
    seen = tmp_path / "seen.txt"
    seen.write_text(f"{BASE}/artikel/retourbeleid\n", encoding="utf-8")
    crawler = make_crawler(
        rss.RssSpider,
        url=f"{BASE}/feeds/economie.xml",
        brand="Jumbo",
        keywords="Jumbo",
        exclude='["Jumbo Jet"]',
        seen_ids=str(seen),
    )
    result = crawler.spider.parse_page(
        response(f"{BASE}/feeds/economie.xml", FEED, headers={"Content-Type": "application/rss+xml"})
    )
    assert [r.url for r in result.requests] == [f"{BASE}/artikel/jumbo-zelfscan", f"{BASE}/premium/kerstdrukte"]
    assert result.items == [] and result.next_url is None
    stats = crawler.stats.get_stats()
    assert (
        stats["klantstem/seen"],
        stats["klantstem/brand_filter/excluded"],
        stats["klantstem/brand_filter/no_keyword"],
    ) == (1, 1, 1)


def test_rss_article_text_replaces_the_summary_without_repeating_the_headline():
    crawler = make_crawler(rss.RssSpider, url=f"{BASE}/feeds/economie.xml", brand="Jumbo")
    entry = ReviewItem(
        "rss",
        "Jumbo",
        f"{BASE}/artikel/jumbo-zelfscan",
        f"{BASE}/artikel/jumbo-zelfscan",
        kind="post",
        title="Jumbo sluit zelfscankassa's na storing",
        text="<p>Kort.</p>",
    )
    page = response(entry.url, fixture_text("rss/article_jumbo-zelfscan.html"), cls=HtmlResponse)
    (item,) = crawler.spider.parse_article(page, entry)
    assert item.text.startswith("In tientallen filialen") and item.title == entry.title
    (fallback,) = crawler.spider.parse_article(
        response(entry.url, "<html><body></body></html>", cls=HtmlResponse), entry
    )
    assert fallback.text == "<p>Kort.</p>"
    assert crawler.stats.get_value("klantstem/warnings") == [
        f"{BASE}/artikel/jumbo-zelfscan: article text from the feed summary: no main text found on the page"
    ]


# ------------------------------------------------ several listings, one stats file


def test_paging_stops_per_listing_and_the_summary_says_how_each_ended():
    crawler = make_crawler(reddit.RedditSpider, url=BASE, brand="Jumbo", subreddits="a1,b2", max_pages="2")
    spider = crawler.spider
    spider.seen_ids = frozenset({"t3_old"})
    old = ReviewItem("reddit", "Jumbo", "t3_old", "u")
    new = ReviewItem("reddit", "Jumbo", "t3_new", "u")
    assert spider._next_page_request(PageResult([new, old], "n"), 1, "r/a1 new") is None
    follow = spider._next_page_request(PageResult([new], f"{BASE}/r/b2/new.json?after=t3_new"), 1, "r/b2 new")
    assert follow.cb_kwargs == {"page": 2, "listing": "r/b2 new"} and follow.url.endswith("after=t3_new")
    assert spider._next_page_request(PageResult([new], "n"), 2, "r/b2 new") is None
    assert spider._next_page_request(PageResult([], None), 1, "r/a1 comments") is None
    summary = build_summary(
        crawler.stats.get_stats(),
        spider="reddit",
        brand="Jumbo",
        source="reddit",
        url=BASE,
        reason="finished",
        finished_at=datetime.now(UTC),
    )
    assert summary["stop_reasons"] == {"r/a1 new": "seen", "r/b2 new": "max_pages", "r/a1 comments": "last_page"}


def http_failure(spider_cls, url: str, status: int, body: str, meta: dict | None = None, **args: str) -> tuple:
    spider = make_crawler(spider_cls, url=BASE, brand="Snelkoop", **args).spider
    request = Request(url, meta=meta or {})
    answer = TextResponse(url, status=status, body=body.encode(), encoding="utf-8", request=request)
    return spider, Failure(HttpError(answer, "Ignoring non-200 response"))


def test_error_lines_say_what_the_status_means_and_what_the_server_said():
    spider, failure = http_failure(
        bluesky.BlueskySpider,
        f"{BASE}/xrpc/com.atproto.server.createSession",
        401,
        '{"error": "AuthenticationRequired", "message": "Invalid identifier or password"}',
    )
    assert spider.describe_request_failure(failure) == (
        "HTTP 401: login refused: check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password, not the account "
        "password): server says: AuthenticationRequired; Invalid identifier or password"
    )
    spider, failure = http_failure(
        reddit.RedditSpider, f"{BASE}/r/x/new.json", 404, '{"message": "Not Found", "error": 404}', subreddits="x"
    )
    assert spider.describe_request_failure(failure) == "HTTP 404: no such subreddit: server says: Not Found"
    note = {"status": 429, "retry_after_s": 60.0, "waited_s": 30.0, "retries": 2}
    spider, failure = http_failure(
        appstore.AppStoreSpider, f"{BASE}/nl/rss/x", 429, "Too Many Requests", meta={RATE_LIMIT_META: note}, app_id="1"
    )
    assert spider.describe_request_failure(failure) == (
        "HTTP 429: rate limited: Retry-After 60 s, waited 30 s per try, gave up after 2 retries"
    )
