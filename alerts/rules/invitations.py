"""``invitations_started`` / ``invitations_stopped``: a brand's flow of invited reviews changing.

Not an incident: it tells a reputation manager why totals and mixed averages moved (the
other rules judge the organic population by default). One alert per brand, on its own
``invitations.window_days`` window; it is not re-sent as "worse" (the flow started or
stopped, fewer of the last invitations in the window is not news).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from alerts.episodes import Episode
from alerts.findings import Finding, RuleResult, make_finding
from alerts.history import INV, History
from alerts.rules import RECOVERY_FRACTION, Rule, register
from alerts.stats import count_fall_test, count_rise_test
from alerts.text import p_text
from alerts.windows import Window, window_sum
from klantstem.config import AlertConfig


def _invitations(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, started: bool,
                 tests: int) -> RuleResult:
    """The invited reviews' count in the window against the baseline's rate, upwards or downwards."""
    settings = config.invitations
    if len(base) < 7:
        return None, None
    days = w.last_day - w.first_day + 1
    rate = float(history.daily[s, base, INV].sum()) / len(base)
    observed = int(window_sum(history, s, w)[INV])
    expected = rate * days
    if started:
        ratio = (observed + 0.5) / (expected + 0.5)
        if observed < settings.min_volume or ratio < settings.min_ratio:
            return ratio, None
        res = count_rise_test(observed, max(expected, 0.5 * days / len(base)))
    else:
        ratio = (expected + 0.5) / (observed + 0.5)
        if expected < settings.min_volume or ratio < settings.min_ratio:
            return ratio, None
        res = count_fall_test(observed, expected)
    if res.p_value > settings.max_p_value / tests:
        return ratio, None
    name = "invitations_started" if started else "invitations_stopped"
    finding = make_finding(name, w, history, base, observed, observed, history.daily[s, base, INV].sum(), res, ratio)
    return ratio, replace(finding, expected=expected)


def started(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, _weights: np.ndarray,
            tests: int = 1) -> RuleResult:
    return _invitations(history, s, w, base, config, True, tests)


def stopped(history: History, s: int, w: Window, base: np.ndarray, config: AlertConfig, _weights: np.ndarray,
            tests: int = 1) -> RuleResult:
    return _invitations(history, s, w, base, config, False, tests)


def _effect(what: str) -> Callable[[Finding, str], str]:
    def effect(f: Finding, when: str) -> str:
        return (f"{f.volume} invited reviews {when}, usually about {f.expected:.0f}: {what}; "
                f"{p_text(f.p_value)}, {f.test})")
    return effect


def _peak(direction: str) -> Callable[[Episode], str]:
    def peak(a: Episode) -> str:
        return f"{a.peak_severity:.1f}x {direction} invited reviews"
    return peak


def _headline(what: str) -> Callable[[Episode, Finding, str], str]:
    def headline(_a: Episode, f: Finding, _worse: str) -> str:
        return f"invitation flow {what}, {f.volume} invited reviews (usually about {f.expected:.0f})"
    return headline


def _rule(name: str, label: str, direction: str, what: str, effect: str, test: Callable[..., RuleResult],
          order: int) -> Rule:
    return Rule(
        name=name, label=label, family="invitations",
        settings=lambda config: config.invitations,
        recovery=lambda config: 1 + (config.invitations.min_ratio - 1) * RECOVERY_FRACTION,
        effect=_effect(effect), peak=_peak(direction), headline=_headline(what), test=test,
        window_days=lambda config: config.invitations.window_days, brand_only=True, renotify_when_worse=False,
        new_level_from_window=True, focus="invited", by_source_label="Invited reviews",
        terms_label="Top terms in invited reviews", order=order,
    )


STARTED = register(_rule(
    "invitations_started", "invitations started", "more", "started",
    "an invitation flow started (totals rise; the organic figures leave these reviews out", started, 4))
STOPPED = register(_rule(
    "invitations_stopped", "invitations stopped", "fewer", "stopped",
    "the invitation flow stopped (totals fall and mixed averages turn more negative; the organic figures are "
    "unaffected", stopped, 3))
