"""A local web server for the demo site, for the demo command, tests and curious people.

Routes::

    /robots.txt                  allows everything except /account/
    /review/<domain>?page=N      Trustpilot-style company page (20 reviews, newest first)
    /reviews/<id>                one review (the permalink stored with each mention)
    /product/<slug>?page=N       JSON-LD review page with rel=next
    /review/broken.example       HTTP 500 (fault route for tests)
    /review/malformed.example    __NEXT_DATA__ cut off mid-JSON (fault route for tests)
    /                            index with links

Binds to 127.0.0.1 on a free port by default, so tests can run several at once and
nothing outside the machine can reach it. ``python -m klantstem.demo.server --port 8000``
serves it until Ctrl-C.
"""

from __future__ import annotations

import argparse
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

from klantstem.demo import pages
from klantstem.demo.site import DemoSite, build_site, source_url

BROKEN_DOMAIN = "broken.example"
MALFORMED_DOMAIN = "malformed.example"

_PAGE_PARAM = re.compile(r"^[1-9][0-9]{0,5}$")


@dataclass(frozen=True)
class DemoResponse:
    status: int
    body: str
    content_type: str = "text/html; charset=utf-8"


def _not_found(what: str) -> DemoResponse:
    return DemoResponse(HTTPStatus.NOT_FOUND, pages.layout("Niet gevonden", f"<h1>Niet gevonden</h1><p>{what}</p>"))


def _page_number(query: str) -> int | None:
    """``page`` from the query string (default 1); None when it is not a page number."""
    values = parse_qs(query).get("page", ["1"])
    return int(values[0]) if _PAGE_PARAM.match(values[0]) else None


def handle(site: DemoSite, target: str, base_url: str) -> DemoResponse:
    """The response to ``GET target`` (path plus query); pure, so it is testable without sockets."""
    parts = urlsplit(target)
    path, page = parts.path.rstrip("/") or "/", _page_number(parts.query)
    if path == "/robots.txt":
        return DemoResponse(HTTPStatus.OK, pages.ROBOTS_TXT, "text/plain; charset=utf-8")
    if path == "/":
        return DemoResponse(HTTPStatus.OK, pages.index_page(site, base_url))
    if path == f"/review/{BROKEN_DOMAIN}":
        return DemoResponse(HTTPStatus.INTERNAL_SERVER_ERROR, pages.layout("Fout", "<h1>Er ging iets mis</h1>"))
    if path == f"/review/{MALFORMED_DOMAIN}":
        return DemoResponse(HTTPStatus.OK, pages.malformed_trustpilot_page())
    kind, _, key = path.strip("/").partition("/")
    html: str | None = None
    if kind == "review" and (brand := site.brand_by_domain(key)) and page:
        html = pages.trustpilot_page(site, brand, page)
    elif kind == "product" and (brand := site.brand_by_slug(key)) and page:
        html = pages.product_page(site, brand, page, base_url)
    elif kind == "reviews" and (review := site.review(key)) and review.channel == "trustpilot":
        html = pages.review_page(review)
    return DemoResponse(HTTPStatus.OK, html) if html is not None else _not_found(target)


class _Handler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "KlantstemDemo/0.1"

    def do_GET(self) -> None:
        self.server.record(self.path)
        response = handle(self.server.site, self.path, f"http://{self.headers.get('Host', self.server.host_port)}")
        body = response.body.encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests and the demo command would otherwise print every request."""


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        super().__init__(address, _Handler)
        self.site = site
        self.requested: list[str] = []
        self._lock = threading.Lock()

    @property
    def host_port(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"{host}:{port}"

    def record(self, target: str) -> None:
        with self._lock:
            self.requested.append(target)


class DemoServer:
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
        self._address = (host, port)
        self._httpd: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("DemoServer already started")
        self._httpd = _DemoHTTPServer(self._address, self.site)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="klantstem-demo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        assert self._thread is not None
        self._thread.join()
        self._httpd = self._thread = None

    def show_as_of(self, moment: datetime | None) -> DemoSite:
        """Serve the site as it was at ``moment`` (None: as it is now) from the next request on."""
        self.site = self.history.as_seen(moment)
        if self._httpd is not None:
            self._httpd.site = self.site
        return self.site

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://{self._running().host_port}"

    @property
    def requested_paths(self) -> list[str]:
        return list(self._running().requested)

    def _running(self) -> _DemoHTTPServer:
        if self._httpd is None:
            raise RuntimeError("DemoServer is not running; call start() or use it as a context manager")
        return self._httpd

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


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
