"""What a rule produces: a ``Finding`` (one rule firing for one scope and window, with its working)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from alerts.history import History
from alerts.rules import rule as rule_named
from alerts.stats import TestResult
from alerts.text import window_text
from alerts.windows import Window

Key = tuple[str, str, str]  # (rule, brand, source)


@dataclass(frozen=True)
class Finding:
    """One rule firing for one scope and window, with its working."""

    rule: str
    brand: str
    source: str
    window: Window
    volume: int  # mentions tested: scored (negative share), all (volume), rated (rating drop)
    observed: float  # share negative | mentions | mean normalised rating
    expected: float
    baseline_volume: int
    baseline_first_day: date
    baseline_last_day: date
    p_value: float
    test: str
    severity: float  # rise in share | ratio | fall in rating
    negative: int = 0  # negatives in the window (negative share)
    note: str = ""  # source health: why the crawl was degraded or failed
    judged: str | None = None  # how a quiet scope was judged, e.g. "on the review stream: 2.6 reviews a week"

    @property
    def key(self) -> Key:
        return (self.rule, self.brand, self.source)

    def describe(self) -> str:
        return f"{self.brand}/{self.source} {rule_named(self.rule).label}: {effect_text(self)}"


def effect_text(f: Finding) -> str:
    """'45% negative (54 of 120) in the 24 h up to ..., usually 12% (+33 points)'."""
    return rule_named(f.rule).effect(f, window_text(f.window))


# Each rule's test: (effect or None when there is too little volume to judge, finding or None).
RuleResult = tuple[float | None, Finding | None]


def make_finding(rule: str, w: Window, history: History, base: np.ndarray, volume: float, observed: float,
                 baseline_volume: float, res: TestResult, severity: float, negative: int = 0) -> Finding:
    """A finding for a scope the engine fills in (brand and source are set by ``evaluate``)."""
    return Finding(
        rule=rule, brand="", source="", window=w, volume=int(volume), observed=float(observed),
        expected=float(res.expected), baseline_volume=int(baseline_volume),
        baseline_first_day=history.day_of(base[0]), baseline_last_day=history.day_of(base[-1]),
        p_value=float(res.p_value), test=res.test, severity=float(severity), negative=negative,
    )


@dataclass(frozen=True)
class Evaluation:
    """One run's findings, what it measured and which open alerts it found sustained."""

    findings: dict[Key, Finding]  # strongest firing window per key
    measured: dict[Key, float]  # largest effect over the windows with enough volume to judge
    shifts: dict[Key, Finding] = field(default_factory=dict)  # sustained change over level_shift_days
