"""Alert messages quote public reviews: whatever a reviewer wrote reaches the company's inbox
as text, never as markup. Checked with a receiver standing in for an HTML target (Apprise's
e-mail default) and for a plain-text one."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from alerts.markup import plain_text, untrusted, untrusted_url
from alerts.pipeline import run_alerts
from klantstem.config import load_config
from tests.synthetic_history import HistorySpec, Injection, amsterdam, generate, write_history
from tests.webhook_receiver import WebhookReceiver
from warehouse.connection import connect
from warehouse.migrate import migrate

START = date(2026, 10, 1)
RUN = amsterdam(START + timedelta(days=39), 6)
HOSTILE = ('<script>alert(1)</script> <a href="javascript:alert(2)">klik</a> [hier](javascript:alert(3)) '
           "<svg onload=alert(4)> <img src=x onerror=alert(5)> **vet** & storing")
SAFE_TAGS = {"p", "strong", "em", "code", "ol", "ul", "li", "br"}  # what our own Markdown renders to


def markup(html: str) -> list[tuple[str, list]]:
    """The elements an HTML body holds, other than the ones our own Markdown produces."""
    from html.parser import HTMLParser

    found: list[tuple[str, list]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag not in SAFE_TAGS or attrs:
                found.append((tag, attrs))

    Tags().feed(html)
    return found


@pytest.mark.parametrize("text", [HOSTILE, "a_b*c [d](e) `f` #g !h |i ~j \\k", "gewoon: 5 > 3 & 2 < 4"])
def test_untrusted_text_survives_markdown_and_plain_text_exactly(text: str) -> None:
    from apprise import NotifyFormat
    from apprise.conversion import convert_between

    escaped = untrusted(text)
    assert plain_text(escaped) == text
    as_html = convert_between(NotifyFormat.MARKDOWN, NotifyFormat.HTML, escaped)
    assert markup(as_html) == []


def test_only_web_links_are_quoted() -> None:
    assert untrusted_url("javascript:alert(1)") is None
    assert untrusted_url("data:text/html,<b>x</b>") is None
    assert plain_text(untrusted_url("https://reviews.example/r_1?a=(b)") or "") == "https://reviews.example/r_1?a=(b)"


def test_a_hostile_review_reaches_html_and_text_targets_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "monitor.toml"
    path.write_text('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "klantstem.duckdb"\n'
                    "[alerts.delivery]\nretry_backoff_s = 0\nretries = 0\n", encoding="utf-8")
    config = load_config(path)
    spec = HistorySpec(first_day=START, days=40, brands=("Snelkoop",),
                       injections=(Injection("negative", "Snelkoop", amsterdam(START + timedelta(days=38), 8), 22, 0.8),))
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(spec))
        con.execute("UPDATE mentions SET text = ? || ' ' || text, url = 'javascript:alert(6)'"
                    " WHERE published_at >= ?", [HOSTILE, amsterdam(START + timedelta(days=38), 0)])
    with WebhookReceiver() as html_target, WebhookReceiver() as text_target:
        monkeypatch.setenv("KLANTSTEM_ALERT_URLS",
                           f"{html_target.apprise_url('h')}?format=html {text_target.apprise_url('t')}")
        result = run_alerts(config, RUN)
    assert result.delivery.sent == 1
    (as_html,) = (m["message"] for m in html_target.received)
    (as_text,) = (m["message"] for m in text_target.received)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in as_html
    assert markup(as_html) == [], as_html
    assert "<script>alert(1)</script>" in as_text, "a text target shows what the reviewer wrote"
    assert "\\<" not in as_text and "\\[" not in as_text and "&lt;" not in as_text
    assert "alert(6)" not in as_text + as_html, "the review's javascript: URL is not offered as its link"
