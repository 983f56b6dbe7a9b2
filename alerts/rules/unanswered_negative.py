"""``unanswered_negative``: negative reviews of the own brand unanswered past the reply SLA.

Not statistical: its findings come from the warehouse's reply facts (``alerts.unanswered``),
severity is the overdue count, and it shares the episode handling (one alert per episode,
re-sent when the backlog grows).
"""

from __future__ import annotations

from alerts.episodes import Episode
from alerts.findings import Finding
from alerts.rules import RECOVERY_FRACTION, Rule, register
from alerts.unanswered import RULE_NAME, unanswered_findings


def effect(f: Finding, _when: str) -> str:
    return f"{f.volume} negative review(s) without a reply past the SLA ({f.note}); see `klantstem inbox`"


def peak(a: Episode) -> str:
    return f"{a.peak_severity:.0f} unanswered negative reviews"


def headline(_a: Episode, f: Finding, worse: str) -> str:
    return f"{f.volume} negative review(s) unanswered past the reply SLA{worse}"


RULE = register(Rule(
    name=RULE_NAME, label="unanswered negative reviews", family="replies",
    settings=lambda config: config,  # on while alerts are and reply_sla_hours > 0
    recovery=lambda _config: RECOVERY_FRACTION,  # nothing overdue any more (severity 0)
    effect=effect, peak=peak, headline=headline, collect=unanswered_findings, focus=None, brand_only=True,
    order=6,
))
