"""Findings and alerts in words, for events, messages and the run summary.

The rule-specific sentence comes from the rule (``Rule.effect``, ``Rule.peak``); the
pieces every rule uses (p-values, windows, stars) are here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from alerts.history import AMSTERDAM
from alerts.rules import rule

if TYPE_CHECKING:
    from alerts.episodes import Episode
    from alerts.findings import Finding
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


def judged_text(f: Finding) -> str:
    """'; judged on the review stream ...' for a quiet scope's finding, else ''."""
    return f"; judged {f.judged}" if f.judged else ""


def effect_text(f: Finding) -> str:
    """'45% negative (54 of 120) in the 24 h up to ..., usually 12% (+33 points)'."""
    return rule(f.rule).effect(f, window_text(f.window))


def peak_text(a: Episode) -> str:
    return rule(a.rule).peak(a)


def stars(normalised: float) -> str:
    """A normalised rating as stars out of five, the scale most review sites use."""
    return f"{1 + 4 * normalised:.1f}/5"
