"""A loopback webhook receiver for the alert delivery tests.

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
from typing import Any

from klantstem.loopback import LoopbackServer, Reply, Request


class WebhookReceiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.received: list[dict[str, Any]] = []
        self.requests: list[tuple[str, int]] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._answer)
        self.port = 0  # set on entering; kept after leaving, for comparing stored target ids

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            failing = self.fail_first > 0
            if failing:
                self.fail_first -= 1
            status = 500 if failing else 200
            self.requests.append((request.target, status))
            if not failing:
                self.received.append(json.loads(request.body or "{}"))
        return Reply(status)

    def apprise_url(self, token: str = "hook") -> str:
        """A ``json://`` Apprise URL for this receiver with ``token`` in its path."""
        return f"json://127.0.0.1:{self.port}/hooks/{token}"

    def __enter__(self) -> WebhookReceiver:
        self.port = self._server.start().port
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
