"""``klantstem dashboard``: the report page served on 127.0.0.1, kept fresh from the warehouse.

Every request for the page or ``/data.json`` checks whether the warehouse file changed
(size and modification time of the file and its WAL) and, if so, re-runs the report queries
on a short-lived read-only connection, so the daily run can still take its write lock in
between. While another process holds the file, the last good data is served, marked stale;
the open page polls ``/data.json`` and re-draws without losing its filters.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb

from report.build import load_payload
from report.data import BrandInfo, empty_payload
from report.render import DEFAULT_TITLE, embed_json, render_html
from warehouse.connection import WarehouseLockedError, is_lock_error

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _signature(path: Path) -> tuple:
    out = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


class DashboardData:
    """The current payload, re-queried when the warehouse changed (or is older than ``max_age_s``)."""

    def __init__(self, warehouse: Path, *, brands: list[BrandInfo] | None = None, refresh_s: float = 60,
                 max_age_s: float = 600, lock_timeout_s: float = 2.0, as_of: date | None = None) -> None:
        self.warehouse = Path(warehouse)
        self.brands = brands
        self.refresh_s = refresh_s
        self.max_age_s = max_age_s
        self.lock_timeout_s = lock_timeout_s
        self.as_of = as_of
        self._lock = threading.Lock()
        self._payload: dict[str, Any] | None = None
        self._signature: tuple | None = None
        self._loaded_at = 0.0
        self.queries = 0  # how often the warehouse was read (tests, logging)

    def current(self) -> dict[str, Any]:
        with self._lock:
            signature = _signature(self.warehouse)
            fresh = (self._payload is not None and signature == self._signature
                     and time.monotonic() - self._loaded_at < self.max_age_s)
            if not fresh:
                self._reload(signature)
            assert self._payload is not None
            return self._payload

    def _reload(self, signature: tuple) -> None:
        try:
            payload = load_payload(self.warehouse, brands=self.brands, as_of=self.as_of,
                                   timeout_s=self.lock_timeout_s)
        except (WarehouseLockedError, duckdb.IOException) as exc:
            if isinstance(exc, duckdb.IOException) and not is_lock_error(exc):
                raise
            reason = "the warehouse is being written by another process (e.g. the daily run); retrying"
            log.info("dashboard: %s", reason)
            if self._payload is None:
                self._payload = empty_payload(self.as_of, f"The warehouse is busy: {reason}.")
                self._payload["meta"]["warehouse"] = self.warehouse.name
            self._payload = {**self._payload, "meta": {**self._payload["meta"], "stale": reason}}
            self._decorate()
            return  # keep the old signature: try again on the next request
        self.queries += 1
        self._payload = payload
        self._signature = signature
        self._loaded_at = time.monotonic()
        self._decorate()

    def _decorate(self) -> None:
        assert self._payload is not None
        self._payload["meta"].update(live=True, refresh_s=self.refresh_s)
        self._payload["meta"].setdefault("stale", None)


class DashboardServer:
    """``with DashboardServer(path) as server: print(server.url)`` serves until the block ends."""

    def __init__(self, warehouse: Path, *, brands: list[BrandInfo] | None = None, port: int = DEFAULT_PORT,
                 refresh_s: float = 60, title: str = DEFAULT_TITLE, lock_timeout_s: float = 2.0,
                 as_of: date | None = None) -> None:
        self.data = DashboardData(warehouse, brands=brands, refresh_s=refresh_s,
                                  lock_timeout_s=lock_timeout_s, as_of=as_of)
        self.title = title
        dashboard = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "klantstem-dashboard"

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                self._answer(send_body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(send_body=False)

            def _answer(self, send_body: bool) -> None:
                route = self.path.split("?", 1)[0]
                try:
                    if route in ("/", "/index.html"):
                        body = render_html(dashboard.data.current(), title=dashboard.title).encode("utf-8")
                        kind = "text/html; charset=utf-8"
                    elif route == "/data.json":
                        body = embed_json(dashboard.data.current()).encode("utf-8")
                        kind = "application/json; charset=utf-8"
                    elif route == "/healthz":
                        body, kind = b"ok\n", "text/plain; charset=utf-8"
                    else:
                        self.send_error(404, "Not found")
                        return
                except Exception:
                    log.exception("dashboard: request for %s failed", route)
                    self.send_error(500, "The report could not be built; see the dashboard's log")
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.send_header("X-Content-Type-Options", "nosniff")
                self.end_headers()
                if send_body:
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the browser went away (page closed or reloaded)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("dashboard: " + format, *args)

        self._httpd = ThreadingHTTPServer((HOST, port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def start(self) -> DashboardServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="klantstem-dashboard", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Release the port (after ``serve_forever`` returned)."""
        self._httpd.server_close()

    def stop(self) -> None:
        """Stop a server started with ``start()`` and release the port."""
        self._httpd.shutdown()
        self.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def json_payload(server_url: str) -> dict[str, Any]:
    """Fetch ``/data.json`` (for scripts and tests)."""
    from urllib.request import urlopen

    with urlopen(server_url.rstrip("/") + "/data.json", timeout=30) as resp:
        return json.loads(resp.read())
