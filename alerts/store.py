"""Reading and writing alerts, their events and their deliveries in DuckDB (migrations 002, 033 and 080).

Only alert facts and message texts are stored. Delivery targets appear as ``scheme:hash``
(see ``alerts.notify.target_id``); the Apprise URLs themselves never reach the warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from alerts.episodes import AlertEvent, Episode
from alerts.rules import rule

_EPISODE_COLUMNS = [
    "rule", "brand", "source", "status", "window_kind", "window_start", "window_end", "episode_start",
    "first_fired_at", "last_fired_at", "resolved_at", "volume", "observed", "expected", "baseline_volume",
    "p_value", "test", "severity", "peak_severity", "notified_severity", "evaluations", "recovery_notified",
    "sample_mention_ids", "top_terms", "note",
]


def load_episodes(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime | None = None) -> list[Episode]:
    """Open alerts, and alerts active at or after ``since`` (for cooldowns, baselines, level shifts).
    With ``until``: only alerts that had fired by then (re-running an earlier day)."""
    rows = con.execute(
        f"""
        SELECT alert_id, {", ".join(_EPISODE_COLUMNS)}
        FROM alerts
        WHERE (status = 'open' OR coalesce(resolved_at, last_fired_at) >= $since)
          AND ($until IS NULL OR first_fired_at <= $until)
        ORDER BY first_fired_at, alert_id
        """,
        {"since": since, "until": until},
    ).fetchall()
    episodes = []
    for alert_id, *values in rows:
        fields = dict(zip(_EPISODE_COLUMNS, values, strict=True))
        episodes.append(Episode(**fields, alert_id=alert_id, changed=False))
    return episodes


def save_episodes(con: duckdb.DuckDBPyConnection, episodes: Sequence[Episode], now: datetime) -> None:
    """Insert new episodes (assigning ``alert_id``) and update changed ones. Caller holds the transaction.

    The table takes any rule name (migration 080); a name no rule module registers is refused here."""
    for e in episodes:
        if not e.changed:
            continue
        rule(e.rule)  # ValueError naming the known rules
        values = [getattr(e, c) for c in _EPISODE_COLUMNS]
        if e.alert_id is None:
            e.alert_id = con.execute(
                f"""INSERT INTO alerts ({", ".join(_EPISODE_COLUMNS)}, created_at, updated_at)
                    VALUES ({", ".join("?" for _ in _EPISODE_COLUMNS)}, ?, ?) RETURNING alert_id""",
                [*values, now, now],
            ).fetchall()[0][0]
        else:
            sets = ", ".join(f"{c} = ?" for c in _EPISODE_COLUMNS)
            con.execute(f"UPDATE alerts SET {sets}, updated_at = ? WHERE alert_id = ?", [*values, now, e.alert_id])
        e.changed = False


def save_events(con: duckdb.DuckDBPyConnection, events: Sequence[AlertEvent]) -> None:
    """One ``alert_events`` row per event (its alert must have an ``alert_id`` by now)."""
    for ev in events:
        f = ev.finding
        con.execute(
            "INSERT INTO alert_events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ev.alert.alert_id, ev.evaluated_at, ev.event,
                f.window.kind if f else None, f.window.start if f else None, f.window.end if f else None,
                f.volume if f else None, f.observed if f else None, f.expected if f else None,
                f.p_value if f else None, f.severity if f else None,
            ],
        )


@dataclass(frozen=True)
class Delivery:
    delivery_id: int
    kind: str
    brand: str | None
    title: str
    body: str
    notify_type: str
    status: str
    attempts: int
    sent_to: list[str]
    last_error: str | None
    created_at: datetime


def add_delivery(
    con: duckdb.DuckDBPyConnection, *, kind: str, brand: str | None, alert_ids: list[int], events: list[str],
    title: str, body: str, notify_type: str, now: datetime,
) -> int:
    return con.execute(
        """INSERT INTO alert_deliveries (kind, brand, alert_ids, events, title, body, notify_type, status,
                                         attempts, sent_to, last_error, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, [], NULL, ?) RETURNING delivery_id""",
        [kind, brand, alert_ids, events, title, body, notify_type, now],
    ).fetchall()[0][0]


def pending_deliveries(con: duckdb.DuckDBPyConnection, include_failed: bool = False) -> list[Delivery]:
    statuses = ["pending", "failed"] if include_failed else ["pending"]
    rows = con.execute(
        """SELECT delivery_id, kind, brand, title, body, notify_type, status, attempts, sent_to, last_error, created_at
           FROM alert_deliveries WHERE list_contains($statuses, status) ORDER BY delivery_id""",
        {"statuses": statuses},
    ).fetchall()
    return [Delivery(*r) for r in rows]


def record_attempt(
    con: duckdb.DuckDBPyConnection, delivery_id: int, *, status: str, attempts: int, sent_to: list[str],
    error: str | None, now: datetime,
) -> None:
    con.execute(
        """UPDATE alert_deliveries
           SET status = ?, attempts = ?, sent_to = ?, last_error = ?, last_attempt_at = ?,
               sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
           WHERE delivery_id = ?""",
        [status, attempts, sent_to, error, now, status, now, delivery_id],
    )


def delivery_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(con.execute("SELECT status, count(*) FROM alert_deliveries GROUP BY status").fetchall())
