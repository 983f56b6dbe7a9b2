"""Customer text inside alert messages: shown, never rendered.

Messages are Markdown, and Apprise turns Markdown into HTML for HTML targets (e-mail by
default) passing raw HTML and ``[text](javascript:...)`` links straight through. A public
review is written by anyone, so every piece of it that goes into a message (snippets,
terms, URLs) goes through ``untrusted``: HTML's ``& < >`` become entities and Markdown's
special characters are backslash-escaped, so an HTML target shows the text as text. Plain-text
targets get ``plain_text`` of the message, with the escapes taken out again.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~])")
_ESCAPED = re.compile(r"\\([\\`*_\[\]()#!|~])")


def untrusted(text: str) -> str:
    """``text`` for a Markdown message: renders as exactly these characters, never as markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def untrusted_url(url: str | None) -> str | None:
    """A link for a message: only http(s), escaped as text (a ``javascript:`` URL is dropped)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return untrusted(url) if scheme in ("http", "https") else None


def plain_text(markdown: str) -> str:
    """A message built with ``untrusted`` as a plain-text target should show it."""
    return html.unescape(_ESCAPED.sub(r"\1", markdown))
