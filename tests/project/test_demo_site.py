"""The demo site: a believable, deterministic dataset with one spike, served on loopback."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from klantstem.config import parse_config
from klantstem.demo import reviews as pool
from klantstem.demo.server import DemoServer, handle
from klantstem.demo.site import BRANDS, DemoSite, build_site, demo_config_toml, source_url

TODAY = date(2026, 11, 20)
SNELKOOP, WINKELWAGEN, BESTELHUIS, COLIBRI = BRANDS
BASE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def site() -> DemoSite:
    return build_site(TODAY)


# ------------------------------------------------------------------------ dataset


def test_four_fictional_brands_with_snelkoop_as_own_brand(site):
    assert [(b.name, b.domain, b.own) for b in site.brands] == [
        ("Snelkoop", "snelkoop.example", True),
        ("Winkelwagen", "winkelwagen.example", False),
        ("Bestelhuis", "bestelhuis.example", False),
        ("Colibri", "colibri.example", False),
    ]


def test_the_belgian_brand_hears_from_french_and_dutch_customers(site):
    colibri = [r for r in site.reviews if r.brand == "Colibri"]
    french = [r for r in colibri if r.language == "fr"]
    assert 0.4 <= len(french) / len(colibri) <= 0.7
    assert {r.language for r in colibri} <= {"fr", "nl", "en"}
    assert not [r for r in site.reviews if r.language == "fr" and r.brand != "Colibri"]


def test_at_least_240_reviews_over_the_60_days_ending_today(site):
    days = {r.published_at.date() for r in site.reviews}
    assert len(site.reviews) >= 240
    assert (min(days), max(days)) == (TODAY - timedelta(days=59), TODAY)
    for brand in site.brands:
        assert sum(r.brand == brand.name for r in site.reviews) >= 60, brand.name


def test_reviews_of_today_fall_in_its_first_hours_so_none_is_in_the_future(site):
    assert all(r.published_at.hour < 8 for r in site.reviews if r.published_at.date() == TODAY)


def test_dataset_is_deterministic_for_a_given_today(site):
    assert build_site(TODAY) == site
    assert build_site(TODAY + timedelta(days=1)).today == TODAY + timedelta(days=1)


def test_default_today_is_the_real_today():
    assert build_site().today == date.today()


def test_ids_are_unique_24_hex_chars(site):
    ids = [r.id for r in site.reviews]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{24}", i) for i in ids)


def test_listings_are_newest_first(site):
    for brand in site.brands:
        for channel in brand.daily_reviews:
            listed = [r.published_at for r in site.listing(brand, channel)]
            assert listed == sorted(listed, reverse=True)


def test_ratings_are_on_each_pages_scale(site):
    assert {r.rating for r in site.listing(SNELKOOP, "trustpilot")} == {1, 2, 3, 4, 5}
    assert {r.best_rating for r in site.listing(BESTELHUIS, "jsonld")} == {10}
    assert {r.rating for r in site.listing(BESTELHUIS, "jsonld")} <= set(range(1, 11))


@pytest.mark.parametrize("today", [TODAY, date(2026, 3, 31), date(2027, 1, 1), date(2027, 6, 14)])
def test_snelkoop_has_a_negative_delivery_spike_in_the_last_three_days(today):
    demo = build_site(today)
    own = [r for r in demo.reviews if r.brand == "Snelkoop" and not r.invited]  # the organic series
    window = [r for r in own if r.published_at.date() > today - timedelta(days=3)]
    baseline = [r for r in own if r.published_at.date() <= today - timedelta(days=3)]
    per_day_window, per_day_baseline = len(window) / 3, len(baseline) / 57
    assert 2.0 <= per_day_window / per_day_baseline <= 4.5
    assert min(sum(r.published_at.date() == today - timedelta(days=d) for r in window) for d in range(3)) >= 7
    share_low = lambda rs: sum(r.rating <= 2 for r in rs) / len(rs)  # noqa: E731
    assert share_low(window) > share_low(baseline) + 0.3
    spike = [r for r in window if r.spike]
    assert spike and all(r.rating <= 2 for r in spike)
    assert all(re.search(r"pakket|bezorg|track", r.text, re.IGNORECASE) for r in spike)


def test_competitors_have_no_spike(site):
    assert not [r for r in site.reviews if r.spike and r.brand != "Snelkoop"]


def _negative_share(reviews) -> float:
    return sum(r.rating <= 2 for r in reviews) / len(reviews)


def test_snelkoop_invites_reviews_in_two_campaigns_and_only_on_the_trustpilot_style_site(site):
    invited = [r for r in site.reviews if r.invited]
    assert invited and {(r.brand, r.channel) for r in invited} == {("Snelkoop", "trustpilot")}
    days_ago = {(TODAY - r.published_at.date()).days for r in invited}
    assert days_ago <= set(range(8, 31)) | set(range(36, 51)), "only while a campaign runs"
    assert min(days_ago) >= 8, "the last week has no invitations: the campaign stopped"
    organic = [r for r in site.reviews if r.brand == "Snelkoop" and r.channel == "trustpilot" and not r.invited]
    assert _negative_share(invited) < 0.1 < _negative_share(organic)


def test_the_organic_trend_worsens_while_the_mixed_share_hides_most_of_it(site):
    listing = site.listing(SNELKOOP, "trustpilot")

    def rise(organic_only: bool) -> float:
        """Negative share of the last 30 days minus that of the 30 before (spike reviews aside)."""
        def share(lo: int, hi: int) -> float:
            return _negative_share([r for r in listing if lo <= (TODAY - r.published_at.date()).days <= hi
                                    and not r.spike and not (organic_only and r.invited)])
        return share(0, 29) - share(30, 59)

    assert rise(organic_only=True) > 0.1
    assert rise(organic_only=False) < rise(organic_only=True) / 2


def test_sentence_pool_is_large_and_texts_vary(site):
    sentences = {
        *(s for topic in pool.TOPIC_SENTENCES.values() for tone in topic.values() for s in tone),
        *(s for group in (pool.OPENERS, pool.CLOSERS, pool.ENGLISH_SENTENCES) for tone in group.values() for s in tone),
        *pool.SPIKE_SENTENCES,
    }
    assert len(sentences) >= 150
    assert len({r.text for r in site.reviews}) >= 0.9 * len(site.reviews)


def test_mix_of_tones_topics_languages_replies_and_markup(site):
    stars = Counter(r.rating for r in site.reviews if r.best_rating == 5)
    assert all(stars[n] >= 10 for n in range(1, 6))
    assert Counter(r.language for r in site.reviews)["en"] >= 5
    assert sum(r.reply is not None for r in site.reviews) >= 10
    assert {(r.brand, r.channel) for r in site.reviews if r.reply} == {
        (b.name, c) for b in site.brands for c in b.daily_reviews}, "every listing has company replies"
    published = [r.published_text for r in site.reviews if r.markup]
    assert any("<br" in t for t in published) and any(re.search(r"&(amp|#x27);", t) for t in published)
    text = " ".join(r.text for r in site.reviews).lower()
    for word in ("bezorg", "pakket", "retour", "terugsturen", "klantenservice", "prijs", "kwaliteit", "app", "winkel"):
        assert word in text, word


def test_markup_reviews_publish_the_same_text_as_html(site):
    for review in (r for r in site.reviews if r.markup):
        assert html.unescape(re.sub(r"(<br\s*/?>\s*)+", "\n", review.published_text)) == review.text


# ------------------------------------------------------------------------- routes


def next_data(html: str) -> dict:
    raw = re.search(r'<script id="__NEXT_DATA__" type="application/json">(.*?)</script>', html, re.S)
    assert raw is not None
    return json.loads(raw.group(1))


def json_ld(html: str) -> list:
    return [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def test_robots_txt_allows_all_but_account_pages(site):
    response = handle(site, "/robots.txt", BASE)
    assert response.status == 200 and response.content_type.startswith("text/plain")
    assert "User-agent: *" in response.body and "Disallow: /account/" in response.body


def test_trustpilot_style_pages_carry_next_data_in_trustpilots_shape(site):
    listing = site.listing(SNELKOOP, "trustpilot")
    first = next_data(handle(site, "/review/snelkoop.example", BASE).body)
    props = first["props"]["pageProps"]
    assert [r["id"] for r in props["reviews"]] == [r.id for r in listing[:20]]
    assert props["filters"]["pagination"] == {
        "currentPage": 1,
        "perPage": 20,
        "totalCount": len(listing),
        "totalPages": -(-len(listing) // 20),
    }
    review = props["reviews"][0]
    assert {"id", "rating", "title", "text", "language", "dates", "consumer", "reply", "labels"} <= set(review)
    assert review["dates"]["publishedDate"].endswith(".000Z") and review["consumer"]["displayName"] == listing[0].author
    second = next_data(handle(site, "/review/snelkoop.example?page=2", BASE).body)["props"]["pageProps"]
    assert [r["id"] for r in second["reviews"]] == [r.id for r in listing[20:40]]


def test_trustpilot_style_pages_label_each_reviews_origin(site):
    listing = site.listing(SNELKOOP, "trustpilot")
    pages = -(-len(listing) // 20)
    labels = {}
    for page in range(1, pages + 1):
        props = next_data(handle(site, f"/review/snelkoop.example?page={page}", BASE).body)["props"]["pageProps"]
        labels.update({r["id"]: r["labels"]["verification"] for r in props["reviews"]})
    for review in listing:
        label = labels[review.id]
        assert label["reviewSourceName"] == ("BusinessGeneratedLink" if review.invited else "Organic")
        assert (label["isVerified"], label["verificationLevel"]) == (
            (True, "verified") if review.invited else (False, "not-verified"))


def test_next_data_cannot_break_out_of_its_script_tag(site):
    html = handle(site, "/review/snelkoop.example", BASE).body
    script = html.split('<script id="__NEXT_DATA__" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script


def test_replies_are_published_with_their_review(site):
    review = next(r for r in site.listing(WINKELWAGEN, "trustpilot") if r.reply)
    page = 1 + site.listing(WINKELWAGEN, "trustpilot").index(review) // 20
    data = next_data(handle(site, f"/review/winkelwagen.example?page={page}", BASE).body)
    entry = next(r for r in data["props"]["pageProps"]["reviews"] if r["id"] == review.id)
    assert entry["reply"]["message"] == review.reply.message


def test_product_pages_carry_json_ld_reviews_and_rel_next(site):
    listing = site.listing(BESTELHUIS, "jsonld")
    last_page = -(-len(listing) // 20)
    first = handle(site, "/product/bestelhuis", BASE).body
    product = next(b for b in json_ld(first) if b.get("@type") == "Product")
    assert [r["reviewBody"] for r in product["review"]] == [r.published_text for r in listing[:20]]
    assert product["aggregateRating"]["reviewCount"] == len(listing)
    assert product["aggregateRating"]["bestRating"] == 10
    assert '<link rel="next" href="/product/bestelhuis?page=2">' in first
    assert 'rel="next"' not in handle(site, f"/product/bestelhuis?page={last_page}", BASE).body


def test_snelkoop_product_page_uses_a_graph(site):
    blocks = json_ld(handle(site, "/product/snelkoop", BASE).body)
    graph = next(b["@graph"] for b in blocks if "@graph" in b)
    product = next(node for node in graph if node["@type"] == "Product")
    assert product["review"][0]["@type"] == "Review" and product["review"][0]["reviewRating"]["bestRating"] == 5


def test_permalinks_show_the_review(site):
    review = site.listing(SNELKOOP, "trustpilot")[0]
    response = handle(site, f"/reviews/{review.id}", BASE)
    assert response.status == 200 and review.title in response.body


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/review/broken.example", 500),
        ("/review/unknown.example", 404),
        ("/review/snelkoop.example?page=99", 404),
        ("/review/snelkoop.example?page=abc", 404),
        ("/product/unknown", 404),
        ("/reviews/000000000000000000000000", 404),
        ("/", 200),
    ],
)
def test_fault_and_unknown_routes(site, target, status):
    assert handle(site, target, BASE).status == status


def test_malformed_route_has_truncated_next_data(site):
    response = handle(site, "/review/malformed.example", BASE)
    assert response.status == 200
    with pytest.raises(json.JSONDecodeError):
        next_data(response.body)


# --------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(today=TODAY) as running:
        yield running


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # loopback only
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_server_serves_over_http_on_a_free_loopback_port(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
    status, body = fetch(server.base_url + "/review/winkelwagen.example")
    assert status == 200 and "__NEXT_DATA__" in body
    assert fetch(server.base_url + "/review/broken.example")[0] == 500
    assert "/review/winkelwagen.example" in server.requested_paths


def test_two_servers_run_side_by_side_and_stop_cleanly():
    first, second = DemoServer(today=TODAY).start(), DemoServer(today=TODAY).start()
    try:
        assert first.base_url != second.base_url
        assert fetch(second.base_url + "/robots.txt")[0] == 200
    finally:
        first.stop()
        second.stop()
    second.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        _ = first.base_url


def test_demo_config_is_valid_and_points_at_the_server(server, tmp_path):
    config = parse_config(demo_config_toml(server.base_url, data_dir=str(tmp_path / "demo data")))
    assert [(b.name, b.own) for b in config.brands] == [
        ("Snelkoop", True),
        ("Winkelwagen", False),
        ("Bestelhuis", False),
        ("Colibri", False),
    ]
    assert config.brands[3].languages == ["fr", "nl"]
    assert config.warehouse.path == tmp_path / "demo data" / "klantstem.duckdb"
    assert config.warehouse.staging_dir.parent == tmp_path / "demo data"
    sources = [(b.name, s.type, str(s.url)) for b in config.brands for s in b.sources]
    assert sources == [
        (brand.name, channel, source_url(server.base_url, brand, channel))
        for brand in BRANDS
        for channel in brand.daily_reviews
    ]
    assert all(fetch(url)[0] == 200 for _, _, url in sources)


def test_demo_config_defaults_to_a_relative_data_dir():
    config = parse_config(demo_config_toml("http://127.0.0.1:8000/"))
    assert str(config.warehouse.path) == "data/klantstem.duckdb"
    assert str(config.brands[0].sources[0].url) == "http://127.0.0.1:8000/review/snelkoop.example"


def test_module_runs_as_a_command_with_help():
    result = subprocess.run(
        [sys.executable, "-m", "klantstem.demo.server", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0 and "--port" in result.stdout
