"""The outbox: every message is a row in ``alert_deliveries`` before anything is sent.

A run first commits its messages as ``pending``, then tries to send every pending message
(also those left by earlier runs) to each configured target that has not accepted it yet,
with retries and backoff. The result of each message is committed right after it was
tried, so a crash or a dead webhook loses nothing: what was not accepted stays
``pending`` (with the attempt count and a URL-free last error) and goes out with the next
run or ``klantstem alerts deliver``. After ``max_attempts`` a message is ``failed``; it is
kept, and ``klantstem alerts deliver --retry-failed`` tries it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.notify import alert_urls, masked, send_with_retries, target_id
from alerts.store import pending_deliveries, record_attempt
from klantstem.config import MonitorConfig
from warehouse.connection import connect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    sent: int = 0
    pending: int = 0
    failed: int = 0
    targets: int = 0


def deliver_pending(
    config: MonitorConfig,
    *,
    urls: Sequence[str] | None = None,
    include_failed: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send every pending message to every configured target that has not accepted it yet."""
    settings = config.alerts.delivery
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    urls = alert_urls(settings) if urls is None else list(urls)
    with connect(path, timeout_s=timeout) as con:
        queue = pending_deliveries(con, include_failed=include_failed)
    if not queue:
        return DeliveryReport(targets=len(urls))
    if not urls:
        log.warning(
            "%d alert message(s) pending: no delivery URLs configured (set %s or alerts.delivery.secret_block)",
            len(queue), settings.urls_env,
        )
        return DeliveryReport(pending=len(queue))
    log.info("delivering %d message(s) to %s", len(queue), ", ".join(masked(u) for u in urls))
    counts = {"sent": 0, "pending": 0, "failed": 0}
    for item in queue:
        todo = [u for u in urls if target_id(u) not in item.sent_to]
        accepted, errors, attempts = send_with_retries(
            todo, item.title, item.body, item.notify_type, settings.retries, settings.retry_backoff_s, sleep=sleep
        )
        total = item.attempts + attempts
        if not errors:
            status = "sent"
        elif total >= settings.max_attempts:
            status = "failed"
        else:
            status = "pending"
        error = "; ".join(errors.values()) or None
        with connect(path, timeout_s=timeout) as con:
            record_attempt(
                con, item.delivery_id, status=status, attempts=total,
                sent_to=list(dict.fromkeys([*item.sent_to, *accepted])), error=error, now=datetime.now(UTC),
            )
        counts[status] += 1
        if status == "sent":
            log.info("message %d sent (%s)", item.delivery_id, item.title)
        else:
            log.warning("message %d %s after %d attempt(s): %s", item.delivery_id, status, total, error)
    return DeliveryReport(counts["sent"], counts["pending"], counts["failed"], len(urls))
