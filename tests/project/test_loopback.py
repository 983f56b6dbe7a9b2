"""One local HTTP server (``klantstem.loopback``) for the demo site, the source fixtures, the
fault site and the webhook receiver: a route function in, bytes out, every request recorded."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from klantstem.loopback import LoopbackServer, Reply, Request


def _echo(request: Request) -> Reply | None:
    if request.path == "/stil":
        return None
    return Reply(201, f"{request.method} {request.target} {request.body}", "text/plain",
                 {"X-Seen": request.headers.get("x-test", "-")})


def test_a_route_answers_and_every_request_is_recorded() -> None:
    with LoopbackServer(_echo) as server:
        get = urllib.request.Request(server.base_url + "/a?b=1", headers={"X-Test": "ja"})
        with urllib.request.urlopen(get, timeout=5) as response:
            assert (response.status, response.read(), response.headers["X-Seen"]) == (201, b"GET /a?b=1 ", "ja")
        with urllib.request.urlopen(server.base_url + "/p", data=b"hallo", timeout=5) as response:
            assert response.read() == b"POST /p hallo"
        seen, host = server.served(), server.base_url.removeprefix("http://")
    assert [(r.method, r.path, r.body) for r in seen] == [("GET", "/a", ""), ("POST", "/p", "hallo")]
    assert seen[0].host == host and seen[0].at <= seen[1].at


def test_no_reply_closes_the_connection_without_an_answer() -> None:
    with LoopbackServer(_echo) as server, pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(server.base_url + "/stil", timeout=5)


def test_it_listens_on_loopback_only_and_only_while_started() -> None:
    server = LoopbackServer(_echo)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url
    with server:
        base = server.base_url
        assert base.startswith("http://127.0.0.1:") and server.port > 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/", timeout=2)
