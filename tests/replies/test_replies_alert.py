"""Rule unanswered_negative (issue 14): negative reviews of the own brand still unanswered past
alerts.reply_sla_hours open one alert per episode, messaged again only when the backlog grows
by worse_factor, resolved once everything overdue has been answered."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alerts.unanswered import RULE_NAME as UNANSWERED_RULE
from alerts.history import ALL
from alerts.pipeline import run_alerts
from alerts.unanswered import unanswered_findings
from klantstem.config import parse_config
from tests.warehouse_helpers import BASE_DAY, row, table
from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.replies import record_reply_settings

CONFIG = """
[[brands]]
name = "Snelkoop"
own = true
[[brands]]
name = "Winkelwagen"
[warehouse]
path = "wh.duckdb"
[alerts]
reply_sla_hours = 24
"""


def negative(external_id: str, hours: float, brand: str = "Snelkoop", **extra) -> dict:
    """A 1-star review published ``hours`` after BASE_DAY."""
    published = (BASE_DAY + timedelta(hours=hours)).isoformat()
    return row(external_id, brand=brand, rating=1, rating_normalised=0.0, published_at=published,
               fetched_at=published, **extra)


def at(hours: float) -> datetime:
    return BASE_DAY + timedelta(hours=hours)


@pytest.fixture
def setup(tmp_path: Path):
    config = parse_config(CONFIG, base=tmp_path)
    with connect(config.warehouse.path) as con:
        migrate(con)
        record_reply_settings(con, [("trustpilot", "Snelkoop", "trustpilot", True),
                                    ("trustpilot", "Winkelwagen", "trustpilot", False)], sla_hours=24)
    return config


def load(config, *rows: dict) -> None:
    with connect(config.warehouse.path) as con:
        upsert_mentions(con, table(*rows))


def unanswered_events(result) -> list[str]:
    return [e.event for e in result.events if e.alert.rule == UNANSWERED_RULE]


def test_only_the_own_brands_negative_reviews_past_the_sla_count(setup) -> None:
    load(setup, negative("late", 0), negative("fresh", 20), negative("rival", 0, brand="Winkelwagen"),
         row("happy", rating=5, rating_normalised=1.0),
         negative("answered", 0, reply="Sorry!", reply_at=(BASE_DAY + timedelta(hours=3)).isoformat()))
    with connect(setup.warehouse.path, read_only=True) as con:
        findings, _ = unanswered_findings(con, ["Snelkoop", "Winkelwagen"], at(30), setup.alerts)
    assert list(findings) == [(UNANSWERED_RULE, "Snelkoop", ALL)]
    assert findings[(UNANSWERED_RULE, "Snelkoop", ALL)].volume == 1, "only 'late': fresh is within the SLA"


def test_one_alert_per_episode_messaged_again_only_when_clearly_worse_and_resolved_once_answered(setup) -> None:
    load(setup, negative("a", 0), negative("b", 1))
    first = run_alerts(setup, at(30), deliver=False)
    load(setup, negative("c", 8))
    second = run_alerts(setup, at(33), deliver=False)  # 3 overdue: 1.5x the 2 messaged
    third = run_alerts(setup, at(34), deliver=False)
    answered = (BASE_DAY + timedelta(hours=35)).isoformat()
    load(setup, *(negative(i, h, reply="Excuses, we bellen je.", reply_at=answered) for i, h in (("a", 0), ("b", 1), ("c", 8))))
    fourth = run_alerts(setup, at(50), deliver=False)

    assert unanswered_events(first) == ["new"]
    assert unanswered_events(second) == ["worse"]
    assert unanswered_events(third) == ["update"]
    assert unanswered_events(fourth) == ["recovered"]
    with connect(setup.warehouse.path, read_only=True) as con:
        alerts = con.execute("SELECT rule, brand, source, status, window_kind, peak_severity FROM alerts").fetchall()
    assert alerts == [(UNANSWERED_RULE, "Snelkoop", ALL, "resolved", "queue", 3.0)]


def test_a_zero_sla_switches_the_rule_off(setup) -> None:
    load(setup, negative("a", 0))
    off = parse_config(CONFIG.replace("reply_sla_hours = 24", "reply_sla_hours = 0"), base=setup.warehouse.path.parent)
    assert unanswered_events(run_alerts(off, at(100), deliver=False)) == []
