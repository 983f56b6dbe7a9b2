"""A loopback webhook receiver for tests (and for trying a config by hand).

    with WebhookReceiver(fail_first=2) as hook:
        os.environ["KLANTSTEM_ALERT_URLS"] = hook.apprise_url("token-123")
        ...
        hook.received   # JSON bodies of the accepted requests, in order
        hook.requests   # every request: (path, status answered)

Apprise's ``json://host:port/path`` posts ``{"title", "message", "type", ...}`` to
``http://host:port/path``; the receiver answers 500 to the first ``fail_first`` requests.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookReceiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.requests: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    failing = receiver.fail_first > 0
                    if failing:
                        receiver.fail_first -= 1
                    status = 500 if failing else 200
                    receiver.requests.append((self.path, status))
                    if not failing:
                        receiver.received.append(json.loads(body or b"{}"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # keep test output (and paths) quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def apprise_url(self, token: str = "hook") -> str:
        """A ``json://`` Apprise URL for this receiver with ``token`` in its path."""
        return f"json://127.0.0.1:{self.port}/hooks/{token}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
