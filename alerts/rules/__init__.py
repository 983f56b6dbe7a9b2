"""The alert rules: one ``Rule`` object each, in its own module of this package.

Everything the engine, the episodes, the messages, the details and ``alerts list`` need to
know about a rule lives on its ``Rule``: nothing else switches on a rule's name, and the
warehouse takes any registered name (``alerts.store`` checks it against ``names()``). Adding a
rule is a module here that calls ``register``, its settings in ``klantstem.config`` when it has
any, and a paragraph in docs/alerts.md (walk-through there). The package's modules are
imported on first use, so a new module needs no import list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import duckdb
    import numpy as np

    from alerts.history import History
    from alerts.windows import Window
    from klantstem.config import AlertConfig

    # Findings (``alerts.findings.Finding``) and episodes (``alerts.episodes.Episode``) are
    # ``Any`` here: those modules look rules up, so this one must not import them.

    #: A statistical test on one scope's window: (history, scope, window, baseline days, config,
    #: weekday weights of the window, number of tests for Bonferroni) -> (effect, finding).
    Test = Callable[[History, int, Window, np.ndarray, AlertConfig, np.ndarray, int], tuple[float | None, Any]]
    #: The same for a quiet scope, on its review stream: (history, scope, run time, config,
    #: days with alerts, first baseline day after a level shift, tests) -> (effect, finding).
    QuietTest = Callable[[History, int, datetime, AlertConfig, Sequence[tuple[date, date]], date | None, int],
                         tuple[float | None, Any]]
    #: Findings read from the warehouse rather than from the mention history: (con, brands, run
    #: time, config) -> (findings, measured effect per key).
    Collect = Callable[[duckdb.DuckDBPyConnection, list[str], datetime, AlertConfig],
                       tuple[dict[Any, Any], dict[Any, float]]]

#: Which mentions an alert is about, for its top terms, examples and per-source counts
#: (``alerts.details``); None: not about mentions (source health).
Focus = Literal["negative", "low_rating", "all", "invited"]

#: An open alert is back to normal when its effect is below this fraction of the rule's
#: minimum effect (hysteresis: a level hovering at the threshold does not flap).
RECOVERY_FRACTION = 0.5


@dataclass(frozen=True)
class Rule:
    """One alert rule. ``test`` or ``collect`` produces its findings; the rest says how its
    alerts recover, are worded and are ordered."""

    name: str
    label: str  # "negative share": in every message and event line
    family: str  # a level shift closes the related open alerts of the same family with it
    settings: Callable[[AlertConfig], Any]  # its section of [alerts]: enabled, min_volume, ...
    recovery: Callable[[AlertConfig], float]  # an open alert is back to normal when its effect is below this
    effect: Callable[[Any, str], str]  # (finding, its window in words) -> the finding in words
    peak: Callable[[Any], str]  # episode -> its peak in words ("+33 points")
    headline: Callable[[Any, Any, str], str]  # (episode, finding, " (worse)" or "") -> message title after "brand: "
    test: Test | None = None
    quiet: QuietTest | None = None  # a quiet scope's test; None: quiet scopes use ``test`` as usual
    quiet_metric: int | None = None  # the history metric whose baseline count makes a scope quiet
    collect: Collect | None = None
    widen_metric: int | None = None  # widen a thin daily window until it holds min_volume of this metric
    window_days: Callable[[AlertConfig], int] | None = None  # its own daily window instead of the shared ones
    brand_only: bool = False  # judged for the brand as a whole only, not per source
    renotify_when_worse: bool = True
    new_level_from_window: bool = False  # after a level shift the baseline restarts at the window, not the episode
    focus: Focus | None = "all"
    by_source_label: str = "Mentions"  # "<label> by source: ..." in a brand-wide message
    terms_label: str = "Top terms"
    value: Callable[[float], str] = "{:.0f}".format  # observed / expected in `alerts list`
    order: int = 50  # in a message, lower first


_REGISTRY: dict[str, Rule] = {}
_loaded = False


def register(rule: Rule) -> Rule:
    """Add a rule; its module calls this at import. A second rule of the same name is a bug."""
    if rule.name in _REGISTRY and _REGISTRY[rule.name] is not rule:
        raise ValueError(f"alert rule {rule.name!r} is registered twice")
    _REGISTRY[rule.name] = rule
    return rule


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")


def rules() -> list[Rule]:
    """Every registered rule, in message order."""
    _load()
    return sorted(_REGISTRY.values(), key=lambda r: (r.order, r.name))


def names() -> list[str]:
    return [r.name for r in rules()]


def rule(name: str) -> Rule:
    """The rule called ``name``; a clear error for one no module registers (an old warehouse row)."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown alert rule {name!r} (known: {', '.join(names())})") from None
