"""``source_health``: a source whose latest crawl was degraded or failed (``alerts.health``).

Not statistical: its findings come from ``crawl_runs``, not from the mention history, and
they share the episode handling (one alert per episode, re-sent when degraded turns failed).
"""

from __future__ import annotations

from alerts.episodes import Episode
from alerts.findings import Finding
from alerts.health import SEVERITY, health_findings
from alerts.rules import RECOVERY_FRACTION, Rule, register


def _state(severity: float) -> str:
    return "failed" if severity >= SEVERITY["failed"] else "degraded"


def effect(f: Finding, _when: str) -> str:
    return f"crawl {_state(f.severity)} ({f.note})"


def peak(a: Episode) -> str:
    return f"crawl {_state(a.peak_severity)}"


def headline(a: Episode, _f: Finding, worse: str) -> str:
    return f"source {_state(a.peak_severity)}{worse}"


RULE = register(Rule(
    name="source_health", label="source health", family="health",
    settings=lambda config: config,  # always on while alerts are
    recovery=lambda _config: RECOVERY_FRACTION,  # the latest crawl is ok (severity 0)
    effect=effect, peak=peak, headline=headline, collect=lambda con, brands, at, _config: health_findings(con, brands, at), focus=None, order=5,
))
