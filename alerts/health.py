"""Source health as alert findings: a source whose page format drifted must reach a person.

The flow records every crawl in ``crawl_runs`` with ``ok``, ``degraded`` (format drift:
too many items lack a required field), ``failed`` or ``skipped``. ``health_findings`` turns
each (brand, source)'s latest crawl that finished within ``RECENT`` of the run into the
``source_health`` rule's input for ``alerts.episodes.advance``, so it gets the same episode
handling as the statistical rules: one alert per episode, re-sent only when it gets worse
(degraded -> failed), resolved once the latest crawl is ok again for ``recover_after_hours``.
A skipped source (no credentials) is not unhealthy: nothing was read, by choice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from alerts.findings import Finding, Key
from alerts.windows import Window

RULE = "source_health"
#: 1 degraded, 2 failed, so degraded -> failed is "worse" (worse_factor 1.5).
SEVERITY = {"degraded": 1.0, "failed": 2.0}

#: Crawls older than this say nothing about the source today (the flow runs daily).
RECENT = timedelta(days=2)


def health_findings(
    con: duckdb.DuckDBPyConnection, brands: list[str], at: datetime
) -> tuple[dict[Key, Finding], dict[Key, float]]:
    """(findings for unhealthy sources, measured severity of every recently crawled source)."""
    rows = con.execute(
        """
        SELECT brand, source, status, coalesce(error, ''), started_at, finished_at, coalesce(items_scraped, 0)
        FROM (SELECT *, row_number() OVER (PARTITION BY brand, source ORDER BY finished_at DESC, crawl_run_id DESC) AS k
              FROM crawl_runs WHERE finished_at <= $at AND finished_at > $since AND status <> 'skipped')
        WHERE k = 1 AND brand IN (SELECT unnest($brands::VARCHAR[]))
        """,
        {"at": at, "since": at - RECENT, "brands": brands},
    ).fetchall()
    findings: dict[Key, Finding] = {}
    measured: dict[Key, float] = {}
    for brand, source, status, reason, started, finished, scraped in rows:
        key = (RULE, brand, source)
        severity = SEVERITY.get(status, 0.0)
        measured[key] = severity
        if not severity:
            continue
        day = started.date()
        window = Window("daily", started, max(finished, started + timedelta(seconds=1)), 0, 0)
        findings[key] = Finding(
            rule=RULE, brand=brand, source=source, window=window, volume=int(scraped), observed=severity,
            expected=0.0, baseline_volume=0, baseline_first_day=day, baseline_last_day=day, p_value=0.0,
            test="crawl", severity=severity, note=reason or status,
        )
    return findings, measured
