"""The rule registry: a rule is one ``Rule`` object, and a new one needs no other file.

The walk-through in docs/alerts.md ("Adding a rule") is what the first test does: it
registers a rule that no module of the project knows and runs the real pipeline, store,
messages and `alerts list` with it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from alerts import rules as registry
from alerts import stats
from alerts.episodes import Episode
from alerts.findings import Finding, RuleResult, make_finding
from alerts.history import NEG, SCORED, History
from alerts.pipeline import run_alerts
from alerts.rules import Rule, register, rule, rules
from alerts.store import save_episodes
from alerts.windows import Window, window_sum
from klantstem.cli import main
from klantstem.config import AlertConfig, load_config
from tests.synthetic_history import HistorySpec, Injection, amsterdam, generate, write_history
from warehouse.connection import connect
from warehouse.migrate import migrate

DOCS = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"


def _mostly_negative(history: History, s: int, w: Window, base: np.ndarray, _config: AlertConfig,
                     _weights: np.ndarray, _tests: int = 1) -> RuleResult:
    """A toy rule: more than half of at least ten scored mentions negative."""
    win = window_sum(history, s, w)
    n, k = int(win[SCORED]), int(win[NEG])
    if n < 10 or not len(base):
        return None, None
    share = k / n
    if share <= 0.5:
        return share, None
    return share, make_finding("mostly_negative", w, history, base, n, share, n, stats.TestResult(p_value=0.0, expected=0.5, test="toy"), share, k)


MOSTLY_NEGATIVE = Rule(
    name="mostly_negative", label="mostly negative", family="toy",
    settings=lambda _config: SimpleNamespace(enabled=True, min_volume=10),
    recovery=lambda _config: 0.4,
    effect=lambda f, when: f"{f.negative} of {f.volume} negative {when}",
    peak=lambda a: f"{a.peak_severity:.0%} negative",
    headline=lambda _a, f, worse: f"mostly negative{worse}, {f.observed:.0%}",
    test=_mostly_negative, focus="negative", by_source_label="Negatives", terms_label="Words of the negatives",
    value=lambda v: f"{v:.0%}!", order=9,
)


@pytest.fixture
def mostly_negative(monkeypatch: pytest.MonkeyPatch) -> Rule:
    rules()  # the project's own rules first, as in a run
    monkeypatch.setitem(registry._REGISTRY, MOSTLY_NEGATIVE.name, MOSTLY_NEGATIVE)
    return MOSTLY_NEGATIVE


def test_a_rule_no_module_of_the_project_knows_is_evaluated_stored_messaged_and_listed(
        tmp_path: Path, mostly_negative: Rule, capsys: pytest.CaptureFixture[str]) -> None:
    start = date(2026, 10, 1)
    spec = HistorySpec(first_day=start, days=40, brands=("Snelkoop",),
                       injections=(Injection("negative", "Snelkoop", amsterdam(start + timedelta(days=38)), 60, 0.9),))
    config_file = tmp_path / "monitor.toml"
    config_file.write_text('[[brands]]\nname = "Snelkoop"\n[warehouse]\npath = "wh.duckdb"\n')
    config = load_config(config_file)
    with connect(config.warehouse.path) as con:
        migrate(con)
        write_history(con, generate(spec))

    result = run_alerts(config, amsterdam(start + timedelta(days=39), 6), deliver=False)

    assert ("new", "mostly_negative", "all") in {(e.event, e.alert.rule, e.alert.source) for e in result.events}
    with connect(config.warehouse.path, read_only=True) as con:
        stored = con.execute("SELECT source, status, observed > 0.5 FROM alerts WHERE rule = 'mostly_negative' "
                             "ORDER BY source").fetchall()
        bodies = "\n".join(b for (b,) in con.execute("SELECT body FROM alert_deliveries").fetchall())
    assert stored == [("all", "open", True), ("trustpilot", "open", True), ("webshop-reviews", "open", True)]
    assert re.search(r"Snelkoop \(all sources\): \d+ of \d+ negative", bodies), bodies
    assert main(["alerts", "list", "--config", str(config_file)]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "mostly_negative" in line]
    assert len(listed) == 3 and all("%!" in line for line in listed), "its own value format in `alerts list`"


def test_an_event_of_a_new_rule_is_worded_by_the_rule(mostly_negative: Rule) -> None:
    from alerts.episodes import AlertEvent
    from alerts.message import headline

    w = Window("daily", amsterdam(date(2026, 11, 9)), amsterdam(date(2026, 11, 10)), 39, 39)
    f = Finding("mostly_negative", "Snelkoop", "all", w, 40, 0.8, 0.5, 40, date(2026, 10, 1), date(2026, 11, 8),
                0.0, "toy", 0.8, negative=32)
    event = AlertEvent("new", Episode.open(f, w.end), f, w.end)
    assert event.describe() == "NEW Snelkoop/all mostly negative: 32 of 40 negative on Mon 09 Nov"
    assert headline(event) == "Snelkoop: mostly negative, 80%"


def test_the_warehouse_refuses_an_alert_of_a_rule_no_module_registers(tmp_path: Path) -> None:
    w = Window("daily", amsterdam(date(2026, 11, 9)), amsterdam(date(2026, 11, 10)), 0, 0)
    f = Finding("no_such_rule", "Snelkoop", "all", w, 1, 1.0, 0.0, 1, date(2026, 11, 1), date(2026, 11, 8), 0.0, "x", 1.0)
    with connect(tmp_path / "wh.duckdb") as con:
        migrate(con)
        with pytest.raises(ValueError, match="unknown alert rule 'no_such_rule' \\(known: negative_share, "):
            save_episodes(con, [Episode.open(f, w.end)], w.end)
        assert con.execute("SELECT count(*) FROM alerts").fetchall() == [(0,)]


def test_two_rules_of_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="'volume' is registered twice"):
        register(Rule(name="volume", label="x", family="x", settings=lambda c: c, recovery=lambda c: 0.0,
                      effect=lambda f, w: "", peak=lambda a: "", headline=lambda a, f, w: ""))
    assert rule("volume").label == "volume"


def test_every_rule_produces_findings_and_is_documented() -> None:
    docs = DOCS.read_text()
    for r in rules():
        assert (r.test is None) != (r.collect is None), f"{r.name}: exactly one of test and collect"
        assert f"`{r.name}`" in docs, f"docs/alerts.md does not name the rule {r.name}"
