"""A loopback site that misbehaves on purpose, for the source-fault drills
(tests/drills/test_drills_faults.py): rate limits with Retry-After, 503 bursts, a page that never
answers, a redirect to a login page, robots.txt refusals, next to pages that work.

Trustpilot-style pages live under ``/review/<case>``, JSON-LD pages under ``/shop/<case>``:

=========== =======================================================================
case        what the server does
=========== =======================================================================
ok          a page with three reviews
slowdown    429 with ``Retry-After: 1`` on the first request, then the page
ratelimited 429 with ``Retry-After: 1`` every time
burst       503 on the first two requests, then the page
down        503 every time
stall       accepts the request and never answers (until the server stops)
login       302 to ``/login?next=...``, an HTML login form without review data
paged       ``?page=1..5``, 20 reviews a page, newest first; page 3 answers 500 to its
            first ``flaky_page_failures`` requests (one run's tries), then works
=========== =======================================================================

``/private/...`` is disallowed in robots.txt (any case name works behind it).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from collections import defaultdict
from typing import Any

from klantstem.loopback import LoopbackServer, Reply, Request

NEWEST = datetime(2026, 11, 28, 10, tzinfo=UTC)  # the paged listing's newest review
ROBOTS = "User-agent: *\nDisallow: /private/\n"
LOGIN_PAGE = ("<html><head><title>Inloggen</title></head><body><form action='/login' method='post'>"
              "<input name='email'><input name='password' type='password'><button>Inloggen</button></form></body></html>")


def reviews(case: str, n: int = 3) -> list[dict[str, Any]]:
    return [
        {"id": f"{case}-{i}", "rating": 1 + i % 5, "title": f"Titel {i}", "text": f"Review {i} over {case}: prima geholpen.",
         "language": "nl", "dates": {"publishedDate": f"2026-11-2{i}T10:00:00.000Z"},
         "consumer": {"displayName": f"Klant {i}"}, "reply": None}
        for i in range(n)
    ]


def trustpilot_page(items: list[dict[str, Any]], page: int = 1, pages: int = 1) -> str:
    data = {"props": {"pageProps": {"reviews": items,
                                    "filters": {"pagination": {"currentPage": page, "totalPages": pages}}}}}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<html><body><script id="__NEXT_DATA__" type="application/json">{payload}</script></body></html>'


def jsonld_nodes(items: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    """schema.org Review nodes with the same content as ``reviews`` (Trustpilot shape)."""
    return [
        {"@type": "Review", "@id": f"{base}/shop/r/{r['id']}", "datePublished": r["dates"]["publishedDate"],
         "name": r["title"], "reviewBody": r["text"], "author": {"@type": "Person", "name": r["consumer"]["displayName"]},
         "reviewRating": {"@type": "Rating", "ratingValue": r["rating"], "bestRating": 5, "worstRating": 1}}
        for r in items
    ]


def jsonld_page(items: list[dict[str, Any]], base: str, nodes: list[dict[str, Any]] | None = None) -> str:
    nodes = jsonld_nodes(items, base) if nodes is None else nodes
    block = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Winkel", "review": nodes},
                       ensure_ascii=False).replace("</", "<\\/")
    return f'<html><head><script type="application/ld+json">{block}</script></head><body></body></html>'


class FaultSite:
    """``with FaultSite() as site: site.url("/review/burst")``; ``site.hits[path]`` lists request times."""

    PAGED_PAGES, PAGED_PER_PAGE = 5, 20

    def __init__(self, flaky_page_failures: int = 0) -> None:
        self.flaky_page_failures = flaky_page_failures
        self.hits: dict[str, list[float]] = defaultdict(list)
        self.stopping = threading.Event()
        self._server = LoopbackServer(self.handle)
        self.base_url = ""  # set on entering


    def url(self, path: str) -> str:
        return self.base_url + path

    def __enter__(self) -> FaultSite:
        self.base_url = self._server.start().base_url
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.stop()

    def handle(self, request: Request) -> Reply | None:
        path = request.path
        self.hits[path].append(request.at)
        count = len(self.hits[path])
        if path == "/robots.txt":
            return Reply(200, ROBOTS, "text/plain")
        if path == "/login":
            return Reply(200, LOGIN_PAGE)
        parts = path.strip("/").split("/")
        if parts and parts[0] == "private":
            parts = parts[1:]
        if len(parts) != 2 or parts[0] not in ("review", "shop"):
            return Reply(404, "not found")
        kind, case = parts
        if kind == "review" and case == "paged":
            return self._paged(request)
        page = trustpilot_page(reviews(case)) if kind == "review" else jsonld_page(reviews(case), self.base_url)
        if case == "ok":
            return Reply(200, page)
        if case == "slowdown":
            return Reply(429, "slow down", headers={"Retry-After": "1"}) if count == 1 else Reply(200, page)
        if case == "ratelimited":
            return Reply(429, "slow down", headers={"Retry-After": "1"})
        if case == "burst":
            return Reply(503, "busy") if count <= 2 else Reply(200, page)
        if case == "down":
            return Reply(503, "maintenance")
        if case == "stall":
            self.stopping.wait(120)
            return None
        if case == "login":
            return Reply(302, "", headers={"Location": f"/login?next={path}"})
        return Reply(404, "not found")

    def paged_reviews(self) -> list[dict[str, Any]]:
        """The paged listing's reviews, newest first (one a day back from 2026-11-28)."""
        total = self.PAGED_PAGES * self.PAGED_PER_PAGE
        return [
            {"id": f"paged-{n:03d}", "rating": 1 + n % 5, "title": f"Titel {n}", "text": f"Review {n}: prima.",
             "language": "nl", "dates": {"publishedDate": (NEWEST - timedelta(days=i)).isoformat()},
             "consumer": {"displayName": f"Klant {n}"}, "reply": None}
            for i, n in enumerate(range(total, 0, -1))
        ]

    def _paged(self, request: Request) -> Reply:
        query = request.target.split("?", 1)[1] if "?" in request.target else ""
        page = int(dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("page", "1"))
        key = f"/review/paged?page={page}"
        self.hits[key].append(time.monotonic())
        if page == 3 and len(self.hits[key]) <= self.flaky_page_failures:
            return Reply(500, "internal error")
        per = self.PAGED_PER_PAGE
        items = self.paged_reviews()[(page - 1) * per : page * per]
        return Reply(200, trustpilot_page(items, page, self.PAGED_PAGES))
