"""The dashboard page: one HTML file with the styles, Plotly, the data and the page's script inline.

Nothing is fetched at view time (a Content-Security-Policy in the page forbids it), so the
file can be mailed, archived or opened on a laptop without network.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
DEFAULT_TITLE = "Klantstem · Customer sentiment"


def _asset(name: str) -> str:
    return resources.files("report").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def plotly_js() -> str:
    """plotly.js (minified) from the plotly Python package: no CDN, no separate download."""
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    if "</script" in js.lower():  # would end our <script> element early
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js


@cache
def plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def embed_json(payload: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    survive literally, so a review containing ``</script><script>`` stays data."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def render_html(payload: dict[str, Any], *, title: str = DEFAULT_TITLE) -> str:
    """The complete page for ``payload`` (see ``report.data.collect``)."""
    from klantstem import __version__

    payload.setdefault("meta", {}).setdefault("version", __version__)
    payload["meta"]["plotly"] = plotly_version()
    parts = {
        "title": html.escape(title),
        "version": html.escape(__version__),
        "style": _asset("dashboard.css"),
        "data": embed_json(payload),
        "plotly": plotly_js(),
        "app": _asset("dashboard.js"),
    }
    template = _asset("dashboard.html")
    # One pass, so a placeholder-like string inside plotly.js or the data is never replaced.
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], template)
