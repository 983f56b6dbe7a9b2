"""One message per brand per run: what happened, how big, why (terms), and where to read it.

The most important event leads (a new alert before a worse one before a level shift
before a recovery; negative share before rating before volume; the brand as a whole
before a single source) with its top terms and example mentions; the others follow as
one line each. Markdown, which Slack, Teams, e-mail and the JSON webhook all accept; what
comes from reviews (snippets, terms, links) is escaped (``alerts.markup``), because an e-mail
target renders the Markdown as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from alerts.details import Details
from alerts.episodes import AlertEvent, peak_text
from alerts.findings import Key, effect_text
from alerts.history import ALL, AMSTERDAM
from alerts.markup import untrusted, untrusted_url
from alerts.rules import rule
from alerts.terms import Term
from alerts.text import stars

_EVENT_ORDER = {"new": 0, "worse": 1, "level_shift": 2, "recovered": 3}


def importance(ev: AlertEvent) -> tuple:
    a = ev.alert
    return (_EVENT_ORDER.get(ev.event, 9), rule(a.rule).order, a.source != ALL, -a.severity, a.source)


def scope_text(brand: str, source: str) -> str:
    return f"{brand} (all sources)" if source == ALL else f"{brand} on {source}"


def headline(ev: AlertEvent) -> str:
    a, f = ev.alert, ev.finding
    worse = " (worse)" if ev.event == "worse" else ""
    where = "" if a.source == ALL else f" on {a.source}"
    if ev.event == "recovered":
        return f"{a.brand}{where}: {rule(a.rule).label} back to normal"
    if ev.event == "level_shift":
        return f"{a.brand}{where}: {rule(a.rule).label} changed for good"
    assert f is not None
    return f"{a.brand}{where}: {rule(a.rule).headline(a, f, worse)}"


def _event_line(ev: AlertEvent) -> str:
    a, f = ev.alert, ev.finding
    scope = scope_text(a.brand, a.source)
    if ev.event == "recovered":
        days = max(1, round((ev.evaluated_at - a.first_fired_at).total_seconds() / 86400))
        return f"{scope}: {rule(a.rule).label} is back to normal after ~{days} day(s) (peak {peak_text(a)}); alert #{a.alert_id} resolved."
    if ev.event == "level_shift":
        since = a.episode_start.astimezone(AMSTERDAM)
        if f is None:
            return f"{scope}: {rule(a.rule).label} alert #{a.alert_id} is part of the same level shift; closed."
        return (
            f"{scope}: {rule(a.rule).label} has stayed high since {since:%a %d %b}: {effect_text(f)}. "
            f"Treated as the new normal from now on (alerts compare with the level since {since:%d %b}); alert #{a.alert_id} closed."
        )
    assert f is not None
    prefix = "Worse: " if ev.event == "worse" else ""
    return f"{prefix}{scope}: {effect_text(f)}. Alert #{a.alert_id}."


def terms_text(terms: Sequence[Term]) -> str:
    """The top terms, escaped; each with its language when they come from several (a Belgian
    brand's French and Dutch complaints side by side)."""
    several = len({t.language for t in terms}) > 1
    return ", ".join(untrusted(t.term) + (f" ({t.language})" if several else "") for t in terms)


def render(brand: str, events: Sequence[AlertEvent], details: dict[Key, Details], examples: int = 3) -> tuple[str, str, str]:
    """(title, markdown body, Apprise notify type) for one brand's events of one run."""
    ordered = sorted(events, key=importance)
    lead = ordered[0]
    more = f" (+{len(ordered) - 1} more)" if len(ordered) > 1 else ""
    title = f"Klantstem: {headline(lead)}{more}"
    lines = [f"**{_event_line(lead)}**"]
    info = details.get(lead.alert.key) if lead.event in ("new", "worse", "level_shift") else None
    if info is not None:
        if lead.alert.source == ALL and len(info.by_source) > 1:
            lines.append(f"{rule(lead.alert.rule).by_source_label} by source: "
                         + ", ".join(f"{untrusted(s)} {n}" for s, n in info.by_source) + ".")
        if info.terms:
            lines.append(f"{rule(lead.alert.rule).terms_label}: {terms_text(info.terms)}")
        if examples and info.examples:
            lines += ["", "Examples:"]
            for i, ex in enumerate(info.examples[:examples], 1):
                when = ex.published_at.astimezone(AMSTERDAM)
                rating = f", {stars(ex.rating_normalised)}" if ex.rating_normalised is not None else ""
                url = untrusted_url(ex.url)
                link = f" {url}" if url else ""
                lines.append(f'{i}. "{untrusted(ex.snippet())}" ({untrusted(ex.source)}, {when:%d %b %H:%M}{rating}){link}')
    if len(ordered) > 1:
        lines += ["", "Also:"]
        lines += [f"- {_event_line(ev)}" for ev in ordered[1:]]
    lines += ["", f"History: `klantstem alerts list --brand \"{brand}\"`"]
    kinds = {ev.event for ev in ordered}
    notify_type = "warning" if kinds & {"new", "worse"} else ("info" if "level_shift" in kinds else "success")
    return title, "\n".join(lines), notify_type
