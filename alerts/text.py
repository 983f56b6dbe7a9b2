"""The pieces every rule's wording uses (p-values, windows, stars, how a quiet scope was
judged); the rule-specific sentences come from the rule (``Rule.effect``, ``Rule.peak``)."""

from __future__ import annotations

from datetime import timedelta

from alerts.history import AMSTERDAM
from alerts.windows import Window


def p_text(p_value: float) -> str:
    return "p<1e-15" if p_value < 1e-15 else f"p={p_value:.1e}"


def window_text(window: Window) -> str:
    start, end = window.start.astimezone(AMSTERDAM), window.end.astimezone(AMSTERDAM)
    if window.kind == "stream":
        last = (end - timedelta(seconds=1)).date()
        return f"since {start.date():%d %b %Y} (to {last:%d %b})"
    if window.kind == "daily":
        last = (end - timedelta(seconds=1)).date()
        first = start.date()
        return f"on {first:%a %d %b}" if first == last else f"{first:%d %b}-{last:%d %b}"
    return f"in the {round((end - start).total_seconds() / 3600)} h up to {end:%a %d %b %H:%M}"


def judged_text(judged: str | None) -> str:
    """'; judged on the review stream ...' for a quiet scope's finding, else ''."""
    return f"; judged {judged}" if judged else ""


def stars(normalised: float) -> str:
    """A normalised rating as stars out of five, the scale most review sites use."""
    return f"{1 + 4 * normalised:.1f}/5"
