"""A local web server for the demo site, for the demo command, tests and curious people.

Routes::

    /robots.txt                  allows everything except /account/
    /review/<domain>?page=N      Trustpilot-style company page (20 reviews, newest first)
    /reviews/<id>                one review (the permalink stored with each mention)
    /product/<slug>?page=N       JSON-LD review page with rel=next
    /review/broken.example       HTTP 500 (fault route for tests)
    /review/malformed.example    __NEXT_DATA__ cut off mid-JSON (fault route for tests)
    /                            index with links

Served by ``klantstem.loopback`` (127.0.0.1, a free port by default, so tests can run several
at once and nothing outside the machine can reach it). ``python -m klantstem.demo.server
--port 8000`` serves it until Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
import threading
from datetime import date, datetime
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from klantstem.demo import pages
from klantstem.demo.site import DemoSite, build_site, source_url
from klantstem.loopback import LoopbackServer, Reply

BROKEN_DOMAIN = "broken.example"
MALFORMED_DOMAIN = "malformed.example"

_PAGE_PARAM = re.compile(r"^[1-9][0-9]{0,5}$")


def _not_found(what: str) -> Reply:
    return Reply(HTTPStatus.NOT_FOUND, pages.layout("Niet gevonden", f"<h1>Niet gevonden</h1><p>{what}</p>"))


def _page_number(query: str) -> int | None:
    """``page`` from the query string (default 1); None when it is not a page number."""
    values = parse_qs(query).get("page", ["1"])
    return int(values[0]) if _PAGE_PARAM.match(values[0]) else None


def handle(site: DemoSite, target: str, base_url: str) -> Reply:
    """The response to ``GET target`` (path plus query); pure, so it is testable without sockets."""
    parts = urlsplit(target)
    path, page = parts.path.rstrip("/") or "/", _page_number(parts.query)
    if path == "/robots.txt":
        return Reply(HTTPStatus.OK, pages.ROBOTS_TXT, "text/plain; charset=utf-8")
    if path == "/":
        return Reply(HTTPStatus.OK, pages.index_page(site, base_url))
    if path == f"/review/{BROKEN_DOMAIN}":
        return Reply(HTTPStatus.INTERNAL_SERVER_ERROR, pages.layout("Fout", "<h1>Er ging iets mis</h1>"))
    if path == f"/review/{MALFORMED_DOMAIN}":
        return Reply(HTTPStatus.OK, pages.malformed_trustpilot_page())
    kind, _, key = path.strip("/").partition("/")
    html: str | None = None
    if kind == "review" and (brand := site.brand_by_domain(key)) and page:
        html = pages.trustpilot_page(site, brand, page)
    elif kind == "product" and (brand := site.brand_by_slug(key)) and page:
        html = pages.product_page(site, brand, page, base_url)
    elif kind == "reviews" and (review := site.review(key)) and review.channel == "trustpilot":
        html = pages.review_page(review)
    return Reply(HTTPStatus.OK, html) if html is not None else _not_found(target)


class DemoServer(LoopbackServer):
    """The demo site on a background thread.

    >>> with DemoServer() as server:
    ...     url = server.base_url + "/review/snelkoop.example"

    ``requested_paths`` lists every request target served so far, so tests can check
    what a crawler fetched (and what robots.txt kept it from fetching).
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, today: date | None = None, as_of: datetime | None = None
    ) -> None:
        #: Every review with the replies and edits still to come; ``site`` is what is served.
        self.history = build_site(today)
        self.site = self.history.as_seen(as_of)
        super().__init__(lambda request: handle(self.site, request.target, f"http://{request.host}"), host, port)

    def show_as_of(self, moment: datetime | None) -> DemoSite:
        """Serve the site as it was at ``moment`` (None: as it is now) from the next request on."""
        self.site = self.history.as_seen(moment)
        return self.site

    @property
    def requested_paths(self) -> list[str]:
        return [request.target for request in self.served()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m klantstem.demo.server",
        description="Serve the Klantstem demo review site (fictional brands) until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port, 0 for any free one (default: %(default)s)")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="last day of the data, YYYY-MM-DD")
    args = parser.parse_args(argv)
    with DemoServer(args.host, args.port, args.today) as server:
        print(f"Klantstem demo site on {server.base_url}/ (Ctrl-C to stop)")
        for brand in server.site.brands:
            for channel in brand.daily_reviews:
                print(f"  {brand.name:<12} {channel:<10} {source_url(server.base_url, brand, channel)}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
