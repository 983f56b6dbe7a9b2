"""Rule ``unanswered_negative``: negative reviews of the own brand still unanswered past the SLA.

A reputation manager's promise is an answer within ``alerts.reply_sla_hours`` (docs/replies.md).
``unanswered_findings`` counts, per own brand, the negative reviews on platforms that show
company replies (view ``reply_facts``) that were published more than the SLA before the run,
at most ``MAX_AGE_DAYS`` ago, and had no reply at that time. A count above zero is a finding
for the shared episode handling (``alerts.rules.unanswered_negative``): one alert per episode,
re-sent when the backlog grows by ``worse_factor``, resolved once nothing is overdue for
``recover_after_hours``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from alerts.findings import Finding, Key
from alerts.history import ALL
from alerts.windows import Window
from klantstem.config import AlertConfig

#: Older reviews are history, not a queue: a first backfill must not page anyone about 2019.
MAX_AGE_DAYS = 30


#: The rule's name, in the warehouse's ``alerts.rule`` and in ``[alerts]`` settings' docs.
RULE_NAME = "unanswered_negative"


def unanswered_findings(
    con: duckdb.DuckDBPyConnection, brands: list[str], at: datetime, config: AlertConfig
) -> tuple[dict[Key, Finding], dict[Key, float]]:
    """(findings for own brands with overdue negative reviews, the overdue count of every own brand)."""
    if config.reply_sla_hours <= 0:
        return {}, {}
    present = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'reply_facts'").fetchone()
    if not present or not present[0]:
        return {}, {}
    due = at - timedelta(hours=config.reply_sla_hours)
    rows = con.execute(
        """
        SELECT r.brand,
               count(f.mention_id) AS overdue,
               min(f.published_at) AS oldest
        FROM (SELECT DISTINCT brand FROM reply_sources WHERE own) AS r
        LEFT JOIN reply_facts AS f
          ON f.brand = r.brand AND f.negative AND f.published_at <= $due AND f.published_at > $since
         AND (NOT f.answered OR f.reply_at > $at)
        GROUP BY r.brand
        """,
        {"due": due, "since": at - timedelta(days=MAX_AGE_DAYS), "at": at},
    ).fetchall()
    findings: dict[Key, Finding] = {}
    measured: dict[Key, float] = {}
    for brand, overdue, oldest in rows:
        if brand not in brands:
            continue
        key = (RULE_NAME, brand, ALL)
        measured[key] = float(overdue)
        if not overdue:
            continue
        oldest_hours = (at - oldest).total_seconds() / 3600
        findings[key] = Finding(
            rule=RULE_NAME, brand=brand, source=ALL, window=Window("queue", oldest, at, 0, 0),
            volume=int(overdue), observed=float(overdue), expected=0.0, baseline_volume=0,
            baseline_first_day=oldest.date(), baseline_last_day=at.date(), p_value=0.0, test="reply-sla",
            severity=float(overdue),
            note=f"oldest {oldest_hours:.0f} h old; reply SLA {config.reply_sla_hours:g} h",
        )
    return findings, measured
