"""One local HTTP server for the demo site and for tests: a route function on a background thread.

    with LoopbackServer(lambda request: Reply(200, "hallo")) as server:
        fetch(server.base_url + "/")
        server.requests  # every request served, in order

Binds to 127.0.0.1 on a free port by default, so tests can run several at once and nothing
outside the machine can reach it. The route is plain Python (request in, reply out), so what a
site answers is testable without sockets; this module only carries bytes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # names in lower case
    body: str
    host: str  # the Host header (host:port the client used)
    at: float  # time.monotonic() when it arrived

    @property
    def path(self) -> str:
        return urlsplit(self.target).path


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


#: Request in, reply out; None sends nothing and closes the connection (a stalled server).
Route = Callable[[Request], "Reply | None"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "KlantstemLoopback/0.1"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length).decode("utf-8") if length else "")

    def _serve(self, body: str) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, self.path, headers, body, headers.get("host", self.server.host_port),
                          time.monotonic())
        self.server.owner.record(request)
        reply = self.server.owner.route(request)
        if reply is None:
            self.close_connection = True
            return
        payload = reply.body.encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests and the demo command would otherwise print every request (and its path)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: LoopbackServer) -> None:
        super().__init__(address, _Handler)
        self.owner = owner

    @property
    def host_port(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"{host}:{port}"


class LoopbackServer:
    """Serves ``route`` on a background thread while started (or inside ``with``)."""

    def __init__(self, route: Route, host: str = "127.0.0.1", port: int = 0) -> None:
        self.route = route
        self.requests: list[Request] = []
        self._address = (host, port)
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def served(self) -> list[Request]:
        """The requests so far (a copy, safe to read while the server runs)."""
        with self._lock:
            return list(self.requests)

    def forget(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("LoopbackServer already started")
        self._httpd = _Server(self._address, self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="klantstem-loopback", daemon=True)
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

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running; call start() or use it as a context manager")
        return f"http://{self._httpd.host_port}"

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
