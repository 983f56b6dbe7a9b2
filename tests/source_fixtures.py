"""A loopback server that imitates the public sources the spiders read, for tests and benchmarks.

Every route keeps the real URL scheme, paging and JSON shape (samples under
``tests/fixtures/sources/``, hand-written Dutch texts about fictional brands), so a spider
pointed at ``http://127.0.0.1:<port>`` instead of the real host cannot tell the difference::

    /robots.txt                                                   allows all but /prive/
    /{cc}/rss/customerreviews/page=N/id=ID/sortby=mostrecent/json App Store (50 per page, page <= 10)
        ID 1234567890: 101 reviews; 2000000002: app entry only; 3000000003: not a feed
    POST /_/PlayStoreUi/data/batchexecute?hl=..&gl=..             Google Play (f.req oCPfdb)
        nl.snelkoop.app: 25 reviews; nl.onbekend.app: error envelope [5]
    /r/{sub}/new.json, /r/{sub}/comments.json ?limit&after        Reddit listings
        thenetherlands: the post corpus; besloten: 403 private
    [/gesloten]/api/v1/timelines/tag/{tag} ?limit&max_id&since_id Mastodon, Link header paging;
        under /gesloten public previews are off (401 without a token)
    [/gesloten]/api/v2/search?q&type=statuses                     statuses only with a token
    POST /xrpc/com.atproto.server.createSession                   Bluesky login (BLUESKY_* below)
    /xrpc/app.bsky.feed.searchPosts?q&cursor&limit                needs the session's Bearer token
    /reviews/1047385/snelkoop?pageNumber=N&limit=M                Kiyoh, embedded review JSON (23)
    /reviews/1039690/bestelhuis                                   Klantenvertellen-style microdata
    /reviews/1000000/leeg, /reviews/1000001/gewijzigd             no reviews / changed markup
    /feeds/economie.xml, /feeds/tech.atom, /feeds/kapot.xml       RSS 2.0, Atom, an HTML page
    /artikel/{slug}, /premium/{slug} (403 paywall)                article pages

``fail(prefix, status, ...)`` makes the next N requests whose path starts with ``prefix``
answer with an error (429 with Retry-After, 403, 500, ...); ``hits`` records every
request (method, target, headers, body, monotonic time) for assertions.
"""

from __future__ import annotations

import copy
import json
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, quote, urlsplit

from klantstem.loopback import LoopbackServer, Reply, Request
from tests.spider_helpers import FAST

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
NOW = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # newest fixture item; tests run "today" 2026-11-25

APPSTORE_APP, APPSTORE_EMPTY_APP, APPSTORE_CHANGED_APP = "1234567890", "2000000002", "3000000003"
APPSTORE_REVIEWS = 101  # pages of 50, 50 and 1: the last page's "entry" is a single object
PLAY_APP, PLAY_UNKNOWN_APP, PLAY_REVIEWS = "nl.snelkoop.app", "nl.onbekend.app", 25
KIYOH_PATH, KIYOH_REVIEWS = "/reviews/1047385/snelkoop", 23
BLUESKY_HANDLE, BLUESKY_PASSWORD = "snelkoop-monitor.bsky.social", "abcd-efgh-ijkl-mnop"
MASTODON_TOKEN = "fixture-mastodon-token"
ROBOTS_TXT = "User-agent: *\nDisallow: /prive/\n"
CUPERTINO = timezone(timedelta(hours=-7))  # the App Store feed writes Pacific time


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    return json.loads(fixture_text(name))


def corpus() -> dict[str, Any]:
    """The hand-written Dutch posts and which brands each one is about (posts_nl.json)."""
    return fixture_json("posts_nl.json")


def review_texts() -> list[tuple[int, str, str]]:
    """``(rating 1-5, title, text)`` lines of reviews_nl.txt."""
    rows = []
    for line in fixture_text("reviews_nl.txt").splitlines():
        if line.strip() and not line.startswith("#"):
            rating, title, text = line.split("|", 2)
            rows.append((int(rating), title, text))
    return rows


# ------------------------------------------------------------------ data per source


def appstore_reviews(count: int = APPSTORE_REVIEWS) -> list[dict[str, Any]]:
    """``count`` review entries in the sample's shape, newest first, ids descending."""
    template = fixture_json("appstore/customerreviews_page1.json")["feed"]["entry"][1]
    texts = review_texts()
    entries = []
    for i in range(count):
        rating, title, text = texts[i % len(texts)]
        entry = copy.deepcopy(template)
        entry["id"]["label"] = str(12000000000 - i)
        entry["updated"]["label"] = (NOW - timedelta(hours=3 * i)).astimezone(CUPERTINO).isoformat()
        entry["im:rating"]["label"] = str(rating)
        entry["title"]["label"] = title
        entry["content"]["label"] = f"{text} (#{i + 1})"
        entry["author"]["name"]["label"] = f"Appgebruiker {i + 1}"
        entries.append(entry)
    return entries


def appstore_page(app_id: str, country: str, page: int, base: str) -> tuple[int, str]:
    sample = fixture_json("appstore/customerreviews_page1.json")
    if page > 10:
        return 400, "CustomerReviews RSS page depth is limited to 10"
    if app_id == APPSTORE_CHANGED_APP:
        return 200, json.dumps({"resultCount": 0, "results": []})
    reviews = appstore_reviews() if app_id == APPSTORE_APP else []
    feed = copy.deepcopy(sample["feed"])
    entries: list[Any] = reviews[(page - 1) * 50 : page * 50]
    if page == 1:
        entries = [sample["feed"]["entry"][0], *entries]
    if not entries:
        feed.pop("entry")
    else:
        feed["entry"] = entries[0] if len(entries) == 1 else entries
    last = max(1, min(10, math.ceil(len(reviews) / 50)))
    prefix = f"{base}/{country}/rss/customerreviews"
    for link in feed["link"]:
        rel = link["attributes"]["rel"]
        if rel == "self":
            link["attributes"]["href"] = f"{prefix}/page={page}/id={app_id}/sortby=mostrecent/json"
        elif rel == "last":
            link["attributes"]["href"] = (
                f"{prefix}/page={last}/id={app_id}/sortby=mostrecent/xml"
                f"?urlDesc=/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
            )
    return 200, json.dumps({"feed": feed}, ensure_ascii=False)


def play_reviews(count: int = PLAY_REVIEWS) -> list[list[Any]]:
    sample = fixture_text("googleplay/batchexecute_page1.txt")
    envelope = json.loads(sample[sample.index("[") :])
    template = json.loads(envelope[0][2])[0][0]
    texts = review_texts()
    reviews = []
    for i in range(count):
        rating, _title, text = texts[i % len(texts)]
        review = copy.deepcopy(template)
        review[0] = f"9c1f6b1e-0000-4000-8000-{i:012d}"
        review[1][0] = f"Androidgebruiker {i + 1}"
        review[2] = rating
        review[4] = f"{text} (#{i + 1})"
        review[5] = [int((NOW - timedelta(hours=2 * i)).timestamp()), 0]
        review[7] = (
            [None, "Bedankt voor je review!", [int((NOW - timedelta(hours=2 * i - 1)).timestamp()), 0]]
            if rating <= 2
            else None
        )
        reviews.append(review)
    return reviews


def play_answer(form: str, page_size: int) -> tuple[int, str]:
    try:
        freq = json.loads(parse_qs(form)["f.req"][0])
        rpc, inner_text = freq[0][0][0], freq[0][0][1]
        inner = json.loads(inner_text)
        count, token, app_id = inner[1][2][0], inner[1][2][2], inner[2][0]
    except (KeyError, IndexError, TypeError, ValueError):
        return 400, ')]}\'\n\n[["er",null,null,null,null,400]]'
    if rpc != "oCPfdb" or app_id != PLAY_APP:
        envelope = [["wrb.fr", rpc, None, None, None, [5], "generic"], ["di", 20], ["af.httprm", 20, "1", 3]]
        return 200, ")]}'\n\n" + json.dumps(envelope)
    start = int(token.removeprefix("page-")) * page_size if token else 0
    reviews = play_reviews()
    size = min(count, page_size)
    chunk = reviews[start : start + size]
    more = start + size < len(reviews)
    payload = [chunk, [None, f"page-{(start + size) // page_size}"] if more else None, None]
    envelope = [["wrb.fr", rpc, json.dumps(payload, ensure_ascii=False), None, None, None, "generic"], ["di", 52]]
    return 200, ")]}'\n\n" + json.dumps(envelope, ensure_ascii=False)


def reddit_things(subreddit: str, listing: str, repeat: int = 1) -> list[dict[str, Any]]:
    """The corpus as posts (t3) or comments (t1), newest first; ids differ per listing.
    ``repeat`` > 1 (benchmarks) repeats the corpus with new ids."""
    posts = [(f"{post['id']}{f'r{r}' if r else ''}", post) for r in range(repeat) for post in corpus()["posts"]]
    things = []
    for i, (key, post) in enumerate(posts):
        created = (NOW - timedelta(seconds=61 * i)).timestamp()
        if listing == "new":
            things.append(
                {
                    "kind": "t3",
                    "data": {
                        "subreddit": subreddit,
                        "name": f"t3_{key}x",
                        "id": f"{key}x",
                        "title": post["text"].split(".")[0][:60],
                        "selftext": post["text"],
                        "author": f"redditor_{i}",
                        "created": created,
                        "created_utc": created,
                        "score": 3,
                        "num_comments": 0,
                        "is_self": True,
                        "permalink": f"/r/{subreddit}/comments/{key}x/draadje/",
                        "stickied": False,
                    },
                }
            )
        else:
            things.append(
                {
                    "kind": "t1",
                    "data": {
                        "subreddit": subreddit,
                        "name": f"t1_{key}c",
                        "id": f"{key}c",
                        "link_title": "Waar doen jullie boodschappen?",
                        "body": post["text"],
                        "author": f"reageerder_{i}",
                        "created": created,
                        "created_utc": created,
                        "score": 1,
                        "link_id": "t3_draad",
                        "permalink": f"/r/{subreddit}/comments/draad/waar_doen_jullie_boodschappen/{key}c/",
                    },
                }
            )
    return things


def reddit_listing(
    subreddit: str, listing: str, query: dict[str, list[str]], page_size: int, repeat: int = 1
) -> tuple[int, str]:
    if subreddit == "besloten":
        return 403, fixture_text("reddit/private.json")
    if subreddit != "thenetherlands":
        return 404, json.dumps({"message": "Not Found", "error": 404})
    things = _cached_things(subreddit, listing, repeat)
    after = query.get("after", [None])[0]
    start = next((i + 1 for i, t in enumerate(things) if t["data"]["name"] == after), 0) if after else 0
    limit = min(int(query.get("limit", ["25"])[0]), 100, page_size)
    chunk = things[start : start + limit]
    next_after = chunk[-1]["data"]["name"] if chunk and start + limit < len(things) else None
    body = {
        "kind": "Listing",
        "data": {
            "after": next_after,
            "dist": len(chunk),
            "modhash": "",
            "geo_filter": None,
            "children": chunk,
            "before": None,
        },
    }
    return 200, json.dumps(body, ensure_ascii=False)


_THINGS: dict[tuple[str, str, int], list[dict[str, Any]]] = {}


def _cached_things(subreddit: str, listing: str, repeat: int) -> list[dict[str, Any]]:
    key = (subreddit, listing, repeat)
    if key not in _THINGS:
        _THINGS[key] = reddit_things(subreddit, listing, repeat)
    return _THINGS[key]


def mastodon_statuses(tag: str) -> list[dict[str, Any]]:
    """Statuses for a tag, newest first: 'snelkoop' has the whole corpus, 'webwinkel' p08-p14
    (the same statuses: a post carrying both tags is one status with one uri)."""
    sample = fixture_json("mastodon/tag_snelkoop.json")[0]
    posts = corpus()["posts"]
    statuses = []
    for i, post in enumerate(posts):
        number = int(post["id"][1:])
        if tag == "webwinkel" and not 8 <= number <= 14:
            continue
        status = copy.deepcopy(sample)
        status_id = str(113550123400000100 - i)
        status["id"] = status_id
        status["created_at"] = (
            (NOW - timedelta(minutes=53 * i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
        status["uri"] = f"https://mastodon.nl/users/poster{i}/statuses/{status_id}"
        status["url"] = f"https://mastodon.nl/@poster{i}/{status_id}"
        status["content"] = f"<p>{post['text']}</p>"
        status["account"] = {**sample["account"], "username": f"poster{i}", "acct": f"poster{i}"}
        statuses.append(status)
    return statuses


def mastodon_page(
    prefix: str, path: str, query: dict[str, list[str]], authorized: bool, base: str, page_size: int
) -> tuple[int, str, dict[str, str]]:
    if prefix == "/gesloten" and not authorized:
        return 401, json.dumps({"error": "This API requires an authenticated user"}), {}
    if path == "/api/v2/search":
        statuses = (
            [s for s in mastodon_statuses("snelkoop") if query.get("q", [""])[0].casefold() in s["content"].casefold()]
            if authorized
            else []
        )
        statuses = _id_window(statuses, query, page_size)
        return 200, json.dumps({"accounts": [], "statuses": statuses, "hashtags": []}, ensure_ascii=False), {}
    tag = path.removeprefix("/api/v1/timelines/tag/")
    page = _id_window(mastodon_statuses(tag), query, page_size)
    headers = {}
    if page:
        url = f"{base}{prefix}/api/v1/timelines/tag/{quote(tag)}"
        headers["Link"] = f'<{url}?max_id={page[-1]["id"]}>; rel="next", <{url}?min_id={page[0]["id"]}>; rel="prev"'
    return 200, json.dumps(page, ensure_ascii=False), headers


def _id_window(statuses: list[dict[str, Any]], query: dict[str, list[str]], page_size: int) -> list[dict[str, Any]]:
    """Mastodon's paging: ids below ``max_id``, above ``since_id``/``min_id``, at most ``limit``."""
    max_id, since_id = query.get("max_id", [None])[0], query.get("since_id", query.get("min_id", [None]))[0]
    chosen = [
        s
        for s in statuses
        if (max_id is None or int(s["id"]) < int(max_id)) and (since_id is None or int(s["id"]) > int(since_id))
    ]
    limit = min(int(query.get("limit", ["20"])[0]), 40, page_size)
    return chosen[:limit]


def bluesky_search(query: dict[str, list[str]], page_size: int) -> tuple[int, str]:
    sample = fixture_json("bluesky/search_snelkoop.json")["posts"][0]
    q = query.get("q", [""])[0].casefold()
    posts = []
    for i, post in enumerate(corpus()["posts"]):
        if q not in post["text"].casefold():
            continue
        view = copy.deepcopy(sample)
        did = f"did:plc:fixture{i:04d}"
        view["uri"] = f"at://{did}/app.bsky.feed.post/3lfix{post['id']}"
        view["author"] = {**sample["author"], "did": did, "handle": f"poster{i}.bsky.social"}
        view["record"] = {
            **sample["record"],
            "text": post["text"],
            "createdAt": (NOW - timedelta(minutes=41 * i)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        posts.append(view)
    start = int(query.get("cursor", ["0"])[0])
    limit = min(int(query.get("limit", ["25"])[0]), 100, page_size)
    chunk = posts[start : start + limit]
    body: dict[str, Any] = {"hitsTotal": len(posts), "posts": chunk}
    if start + limit < len(posts):
        body["cursor"] = str(start + limit)
    return 200, json.dumps(body, ensure_ascii=False)


def kiyoh_reviews(count: int = KIYOH_REVIEWS) -> list[dict[str, Any]]:
    template_page = fixture_text("kiyoh/embedded_page0.html")
    block = re.search(r'id="review-data">(.*?)</script>', template_page, re.S)
    assert block is not None
    data = json.loads(block.group(1))
    template = data["reviews"][0]
    texts = review_texts()
    reviews = []
    for i in range(count):
        rating, title, text = texts[i % len(texts)]
        review = copy.deepcopy(template)
        review["reviewId"] = f"4f0c2a71-0000-4000-8000-{i:012d}"
        review["reviewAuthor"] = f"Klant {i + 1}"
        review["rating"] = rating * 2  # Kiyoh marks 1-10
        review["reviewContent"][0]["rating"] = rating * 2
        review["reviewContent"][1]["rating"] = title
        review["reviewContent"][2]["rating"] = f"{text} (#{i + 1})"
        review["dateSince"] = review["updatedSince"] = (NOW - timedelta(hours=5 * i)).isoformat(timespec="milliseconds")
        reviews.append(review)
    return reviews


def kiyoh_page(path: str, query: dict[str, list[str]]) -> tuple[int, str]:
    if path == "/reviews/1039690/bestelhuis":
        return 200, fixture_text("kiyoh/microdata_page0.html")
    if path == "/reviews/1000001/gewijzigd":
        return 200, fixture_text("kiyoh/changed_markup.html")
    if path not in (KIYOH_PATH, "/reviews/1000000/leeg"):
        return 404, "<html><body><h1>Pagina niet gevonden</h1></body></html>"
    reviews = kiyoh_reviews() if path == KIYOH_PATH else []
    page, limit = int(query.get("pageNumber", ["0"])[0]), int(query.get("limit", ["10"])[0])
    chunk = reviews[page * limit : (page + 1) * limit]
    data = {
        "locationId": 1047385,
        "locationName": "Snelkoop",
        "averageRating": 7.4,
        "numberReviews": len(reviews),
        "reviews": chunk,
    }
    template = fixture_text("kiyoh/embedded_page0.html")
    html = re.sub(
        r'(id="review-data">).*?(</script>)',
        lambda m: m.group(1) + json.dumps(data, ensure_ascii=False) + m.group(2),
        template,
        flags=re.S,
    )
    return 200, html


# ------------------------------------------------------------------------- the server


def _reply(status: int, body: str, content_type: str = "application/json; charset=utf-8",
           headers: dict[str, str] | None = None) -> Reply:
    """The fixture APIs answer JSON unless a route says otherwise."""
    return Reply(status, body, content_type, headers or {})


@dataclass
class Fault:
    prefix: str
    status: int
    body: str
    headers: dict[str, str]
    times: int


class SourceFixtureServer:
    """The imitation sources on a background thread (``with SourceFixtureServer() as s:``).

    Page sizes are smaller than the real ones (the real APIs also serve short pages) so
    that a few dozen fixture items already span several pages.
    """

    def __init__(
        self,
        *,
        reddit_page_size: int = 8,
        mastodon_page_size: int = 6,
        bluesky_page_size: int = 5,
        play_page_size: int = 10,
        reddit_repeat: int = 1,
    ) -> None:
        self.reddit_page_size = reddit_page_size
        self.reddit_repeat = reddit_repeat
        self.mastodon_page_size = mastodon_page_size
        self.bluesky_page_size = bluesky_page_size
        self.play_page_size = play_page_size
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(self.handle)
        self._base = ""

    # -- control

    def fail(
        self, prefix: str, status: int, *, body: str = "", headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        """The next ``times`` requests whose target starts with ``prefix`` get ``status``."""
        with self._lock:
            self._faults.append(Fault(prefix, status, body, dict(headers or {}), times))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self._server.forget()

    @property
    def hits(self) -> list[Request]:
        return self._server.served()

    def requests_to(self, prefix: str) -> list[Request]:
        return [hit for hit in self.hits if hit.target.startswith(prefix)]

    # -- routing

    def handle(self, request: Request) -> Reply:
        with self._lock:
            fault = next((f for f in self._faults if f.times > 0 and request.target.startswith(f.prefix)), None)
            if fault is not None:
                fault.times -= 1
        if fault is not None:
            return _reply(fault.status, fault.body, headers=fault.headers)
        return self.route(request.method, request.target, request.headers, request.body)

    def route(self, method: str, target: str, headers: dict[str, str], body: str) -> Reply:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        base = self._base
        if path == "/robots.txt":
            return _reply(200, ROBOTS_TXT, "text/plain; charset=utf-8")
        if match := re.fullmatch(r"/([a-z]{2})/rss/customerreviews/page=(\d+)/id=(\d+)/sortby=mostrecent/json", path):
            status, text = appstore_page(match.group(3), match.group(1), int(match.group(2)), base)
            return _reply(status, text, "text/javascript; charset=utf-8")
        if path == "/_/PlayStoreUi/data/batchexecute" and method == "POST":
            status, text = play_answer(body, self.play_page_size)
            return _reply(status, text, "application/json; charset=utf-8")
        if match := re.fullmatch(r"/r/(\w+)/(new|comments)\.json", path):
            status, text = reddit_listing(
                match.group(1), match.group(2), query, self.reddit_page_size, self.reddit_repeat
            )
            return _reply(status, text)
        if match := re.fullmatch(r"(/gesloten)?(/api/v1/timelines/tag/\w+|/api/v2/search)", path):
            authorized = headers.get("authorization") == f"Bearer {MASTODON_TOKEN}"
            status, text, extra = mastodon_page(
                match.group(1) or "", match.group(2), query, authorized, base, self.mastodon_page_size
            )
            return _reply(status, text, headers=extra)
        if path == "/xrpc/com.atproto.server.createSession" and method == "POST":
            try:
                login = json.loads(body)
            except ValueError:
                login = {}
            if login.get("identifier") == BLUESKY_HANDLE and login.get("password") == BLUESKY_PASSWORD:
                return _reply(200, fixture_text("bluesky/session.json"))
            return _reply(
                401, json.dumps({"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            )
        if path == "/xrpc/app.bsky.feed.searchPosts":
            token = fixture_json("bluesky/session.json")["accessJwt"]
            if headers.get("authorization") != f"Bearer {token}":
                return _reply(403, json.dumps({"error": "Forbidden", "message": "Authentication required"}))
            status, text = bluesky_search(query, self.bluesky_page_size)
            return _reply(status, text)
        if path.startswith("/reviews/"):
            status, text = kiyoh_page(path, query)
            return _reply(status, text, "text/html; charset=utf-8")
        if path in ("/feeds/economie.xml", "/feeds/tech.atom"):
            name = "rss/nieuws.xml" if path.endswith(".xml") else "rss/tech.atom"
            kind = "application/rss+xml" if path.endswith(".xml") else "application/atom+xml"
            return _reply(200, fixture_text(name).replace("{base}", base), f"{kind}; charset=utf-8")
        if path == "/feeds/kapot.xml":
            return _reply(
                200,
                "<!DOCTYPE html><html><body><h1>Deze pagina is verhuisd</h1></body></html>",
                "text/html; charset=utf-8",
            )
        if path.startswith("/premium/"):
            return _reply(403, "<html><body><h1>Alleen voor abonnees</h1></body></html>", "text/html; charset=utf-8")
        if path.startswith("/artikel/"):
            file = FIXTURES / "rss" / f"article_{path.removeprefix('/artikel/')}.html"
            if file.is_file():
                return _reply(200, file.read_text(encoding="utf-8"), "text/html; charset=utf-8")
        return _reply(404, json.dumps({"error": "Not Found"}))

    # -- lifecycle

    def start(self) -> Self:
        self._server.start()
        self._base = self._server.base_url
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        return self._base

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# ----------------------------------------------------------------- running crawls

#: Loopback: no delays, no per-source rate floors, tiny Retry-After waits.
FIXTURE_SETTINGS = {**FAST, "KLANTSTEM_SOURCE_RATE_LIMITS": "False", "KLANTSTEM_RETRY_AFTER_MAX_S": "0.3"}


def json_list(values: Iterable[str]) -> str:
    """A list argument as the flow passes it (a JSON array)."""
    return json.dumps(list(values), ensure_ascii=False)
