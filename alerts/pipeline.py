"""``run_alerts``: what the daily flow (and ``klantstem alerts run``) calls.

1. One short write connection: apply pending migrations, load the recent alerts and the
   hourly history, evaluate the rules at ``as_of`` (and the rules that read the warehouse,
   such as source health from ``crawl_runs``), update the episodes, look up top terms
   and examples for the alerts that will be messaged, and commit alerts, events and the
   messages (as pending deliveries) in one transaction.
2. Send every pending message (this run's and any left over) - outside that connection,
   so a slow webhook never holds the warehouse lock.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from alerts.delivery import DeliveryReport, deliver_pending
from alerts.details import Details, details_for
from alerts.engine import evaluate, history_range, lookback_days
from alerts.episodes import AlertEvent, EpisodeBook, advance
from alerts.findings import Evaluation, Key
from alerts.history import AMSTERDAM, day_start, load_history
from alerts.message import render
from alerts.rules import rule, rules
from alerts.store import add_delivery, load_episodes, save_episodes, save_events
from klantstem.config import MonitorConfig
from warehouse.connection import connect, rollback_quietly
from warehouse.migrate import applied_versions, available_migrations, migrate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlertRunResult:
    evaluated_at: datetime
    events: list[AlertEvent] = field(default_factory=list)  # every change, including silent updates
    open_alerts: int = 0
    messages: int = 0  # queued by this run
    delivery: DeliveryReport = DeliveryReport()

    @property
    def notified(self) -> list[AlertEvent]:
        """Events that were (or will be) messaged: new, worse, level shift, recovered."""
        return [e for e in self.events if e.notify]


def aware(moment: datetime) -> datetime:
    """Naive datetimes are Amsterdam wall-clock time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)


def evaluation_time(as_of: date, now: datetime | None = None) -> datetime:
    """The run time for an as-of *day*: the end of that day, or now if the day is today."""
    now = now or datetime.now(UTC)
    return min(day_start(as_of + timedelta(days=1)), now)


def _ensure_schema(con) -> None:
    if {m.version for m in available_migrations()} - applied_versions(con):
        migrate(con)


def run_alerts(
    config: MonitorConfig, as_of: datetime, *, deliver: bool = True, urls: Sequence[str] | None = None
) -> AlertRunResult:
    """Evaluate every rule at ``as_of``, record what changed, queue and send messages."""
    at = aware(as_of)
    settings = config.alerts
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    events: list[AlertEvent] = []
    messages = 0
    open_alerts = 0
    if settings.enabled:
        brands = [b.name for b in config.brands]
        start, end = history_range(settings, at, at)
        # alerts whose days may fall in a baseline, or whose cooldown is still running
        since = at - timedelta(days=lookback_days(settings), hours=settings.cooldown_hours)
        now = datetime.now(UTC)
        with connect(path, timeout_s=timeout) as con:
            _ensure_schema(con)
            # brands no longer in the config keep their history but are not judged (or "recovered")
            book = EpisodeBook(e for e in load_episodes(con, since, until=at) if e.brand in brands)
            history = load_history(con, start, end, brands, settings.population)
            evaluation = evaluate(history, settings, at, book)
            for r in rules():
                if r.collect is not None:
                    found, measured = r.collect(con, brands, at, settings)
                    evaluation = Evaluation({**evaluation.findings, **found}, {**evaluation.measured, **measured},
                                            evaluation.shifts)
            events = advance(book, evaluation, settings, at)
            wanted = [ev.finding for ev in events if ev.event in ("new", "worse", "level_shift") and ev.finding
                      and rule(ev.finding.rule).focus is not None]
            details: dict[Key, Details] = details_for(con, wanted, settings.delivery.top_terms, settings.population)
            for key, info in details.items():
                live = book.latest[key]
                live.sample_mention_ids = info.sample_ids
                live.top_terms = [t.term for t in info.terms]
                live.changed = True
            con.execute("BEGIN TRANSACTION")
            try:
                save_episodes(con, book.episodes, now)
                for ev in events:
                    live = book.latest[ev.alert.key]
                    ev.alert.alert_id = live.alert_id
                    ev.alert.sample_mention_ids, ev.alert.top_terms = live.sample_mention_ids, live.top_terms
                save_events(con, events)
                by_brand: dict[str, list[AlertEvent]] = defaultdict(list)
                for ev in events:
                    if ev.notify and (ev.event != "recovered" or settings.delivery.notify_recovery):
                        by_brand[ev.alert.brand].append(ev)
                for brand, brand_events in sorted(by_brand.items()):
                    title, body, notify_type = render(brand, brand_events, details, settings.delivery.examples)
                    add_delivery(
                        con, kind="alert", brand=brand, alert_ids=sorted({e.alert.alert_id for e in brand_events}),
                        events=[f"{e.event}:{e.alert.alert_id}" for e in brand_events],
                        title=title, body=body, notify_type=notify_type, now=now,
                    )
                    messages += 1
                con.execute("COMMIT")
            except Exception:
                rollback_quietly(con)
                raise
            open_alerts = sum(1 for e in book.latest.values() if e.status == "open")
        for ev in events:
            if ev.notify:
                log.warning("alert: %s", ev.describe())
    report = deliver_pending(config, urls=urls) if deliver else DeliveryReport()
    return AlertRunResult(at, events, open_alerts, messages, report)
