"""Sending messages through Apprise, without ever leaking the URLs.

Apprise URLs (``slack://T/B/token``, ``msteams://...``, ``mailtos://user:password@...``,
``json://host/path/token``) carry their credentials inside the URL. They come from the
environment variable named by ``alerts.delivery.urls_env`` (default
``KLANTSTEM_ALERT_URLS``, comma or space separated) and/or a Prefect Secret block named by
``alerts.delivery.secret_block``. They are never written to DuckDB or the repo, and never
logged: our own logs name a target only as ``scheme://***``, stored delivery records as
``scheme:hash``, and while Apprise and urllib3 run (which log URLs and paths at DEBUG, and
hosts at WARNING) a logging filter replaces every part of the URLs with ``***``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from alerts.markup import plain_text, untrusted
from klantstem.config import AlertDelivery, MonitorConfig, load_config

log = logging.getLogger(__name__)

_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*)://")
_SPLIT = re.compile(r"\s+|,(?=\s*[A-Za-z][A-Za-z0-9+.\-]*://)")
_NOISY_LOGGERS = ("apprise", "urllib3", "requests")
_KNOWN_LOGGERS = ("urllib3.connectionpool", "urllib3.connection", "urllib3.response", "urllib3.util.retry")
MASK = "***"


def split_urls(text: str | None) -> list[str]:
    """``"json://a/b, slack://x/y z"`` -> three URLs. A comma splits only before another
    ``scheme://`` (``mailto://...?to=a@x.nl,b@y.nl`` keeps its commas)."""
    return [u.strip().rstrip(",") for u in _SPLIT.split(text or "") if u and u.strip().rstrip(",")]


def scheme(url: str) -> str:
    match = _SCHEME.match(url)
    return match[1].lower() if match else "?"


def masked(url: str) -> str:
    """What logs and messages may say about a target: ``json://***``."""
    return f"{scheme(url)}://{MASK}"


def target_id(url: str) -> str:
    """Stable, non-reversible name of a target for the warehouse: ``json:1a2b3c4d5e``."""
    return f"{scheme(url)}:{hashlib.sha256(url.strip().encode()).hexdigest()[:10]}"


def secret_fragments(urls: Sequence[str]) -> list[str]:
    """Every string that could reveal a URL's credentials: the URL itself and each
    component (user, password, host - Slack puts a token there -, path segments, query
    values) of six characters or more, raw and %-decoded. Longest first."""
    parts: set[str] = set()
    for url in urls:
        url = url.strip()
        parts.add(url)
        rest = _SCHEME.sub("", url)
        parts.add(rest)
        try:
            split = urlsplit(url)
            pieces = [split.username, split.password, split.hostname, split.fragment]
            pieces += split.path.split("/")
            for pair in split.query.split("&"):
                pieces += pair.split("=", 1)
        except ValueError:
            pieces = re.split(r"[/:@?&=#]", rest)
        for piece in pieces:
            if piece and len(piece) >= 6:
                parts.update({piece, unquote(piece)})
    return sorted(parts, key=len, reverse=True)


def redact(text: str, fragments: Sequence[str]) -> str:
    for fragment in fragments:
        if fragment and fragment in text:
            text = text.replace(fragment, MASK)
    return text


class _RedactFilter(logging.Filter):
    def __init__(self, fragments: Sequence[str]) -> None:
        super().__init__()
        self.fragments = list(fragments)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the template only
            message = str(record.msg)
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
            record.exc_info, record.exc_text = None, None
        record.msg, record.args = redact(message, self.fragments), ()
        return True


class _Collect(logging.Handler):
    """Keeps the (already redacted) warnings Apprise gives, for ``last_error``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def redacted_logging(urls: Sequence[str]) -> Iterator[_Collect]:
    """While active, records of Apprise, urllib3 and requests have every URL fragment masked."""
    import apprise  # noqa: F401  (its plugins import requests/urllib3: create their loggers first)
    import requests  # noqa: F401
    import urllib3  # noqa: F401

    redactor = _RedactFilter(secret_fragments(urls))
    names = {n for n in logging.root.manager.loggerDict if n.split(".")[0] in _NOISY_LOGGERS}
    loggers = [logging.getLogger(n) for n in names | set(_NOISY_LOGGERS) | set(_KNOWN_LOGGERS)]
    # Belt and braces: a logger we do not know of still reaches the root handlers only
    # through this filter (handler filters apply to propagated records, logger filters do not).
    handlers = list(logging.getLogger().handlers)
    collect = _Collect()
    for logger in loggers:
        logger.addFilter(redactor)
    for handler in handlers:
        handler.addFilter(redactor)
    logging.getLogger("apprise").addHandler(collect)
    try:
        yield collect
    finally:
        logging.getLogger("apprise").removeHandler(collect)
        for handler in handlers:
            handler.removeFilter(redactor)
        for logger in loggers:
            logger.removeFilter(redactor)


# ----------------------------------------------------------------------------- where to


def _secret_block_urls(name: str) -> list[str]:
    try:
        from prefect.blocks.system import Secret

        value: Any = Secret.load(name).get()
    except Exception as exc:  # no API, no such block: deliver what we can, keep the rest pending
        log.warning("could not read Prefect Secret block %r (%s); using the environment only", name, type(exc).__name__)
        return []
    if isinstance(value, str):
        return split_urls(value)
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [u for item in value if isinstance(item, str) for u in split_urls(item)]
    log.warning("Prefect Secret block %r holds no URL list", name)
    return []


def alert_urls(delivery: AlertDelivery, environ: Mapping[str, str] | None = None) -> list[str]:
    """The configured Apprise URLs: environment variable first, then the Prefect Secret block."""
    environ = os.environ if environ is None else environ
    urls = split_urls(environ.get(delivery.urls_env))
    if delivery.secret_block:
        urls += _secret_block_urls(delivery.secret_block)
    return list(dict.fromkeys(urls))


# ----------------------------------------------------------------------------- sending


def send(urls: Sequence[str], title: str, body: str, notify_type: str = "warning") -> dict[str, str | None]:
    """Send once to each URL; ``{target_id: None if accepted else a URL-free error}``."""
    import apprise

    results: dict[str, str | None] = {}
    fragments = secret_fragments(urls)
    for url in urls:
        with redacted_logging(urls) as collected:
            app = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
            try:
                if not app.add(url):
                    results[target_id(url)] = f"{masked(url)}: not a valid Apprise URL"
                    continue
                # Markdown for targets that render it (HTML e-mail, Slack); the text itself for
                # plain-text targets, which would otherwise show the escapes (alerts.markup).
                plain = app[0].notify_format == apprise.NotifyFormat.TEXT
                ok = app.notify(
                    title=plain_text(title) if plain else title,
                    body=plain_text(body) if plain else body,
                    notify_type=apprise.NotifyType(notify_type),
                    body_format=apprise.NotifyFormat.TEXT if plain else apprise.NotifyFormat.MARKDOWN,
                )
            except Exception as exc:  # a plugin bug must not lose the message
                ok = False
                collected.messages.append(f"{type(exc).__name__}: {redact(str(exc), fragments)}")
        reason = collected.messages[-1] if collected.messages else "rejected"
        results[target_id(url)] = None if ok else redact(f"{masked(url)}: {reason}", fragments)[:500]
    return results


def send_with_retries(
    urls: Sequence[str], title: str, body: str, notify_type: str, retries: int, backoff_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[list[str], dict[str, str], int]:
    """Try ``1 + retries`` times with exponential backoff, only the targets still failing.
    Returns (target ids that accepted, {target id: last error}, attempts made)."""
    todo = list(dict.fromkeys(urls))
    accepted: list[str] = []
    errors: dict[str, str] = {}
    attempts = 0
    for attempt in range(retries + 1):
        if not todo:
            break
        if attempt:
            sleep(backoff_s * 2 ** (attempt - 1))
        attempts += 1
        results = send(todo, title, body, notify_type)
        for url in list(todo):
            tid = target_id(url)
            if results.get(tid) is None:
                accepted.append(tid)
                errors.pop(tid, None)
                todo.remove(url)
            else:
                errors[tid] = results[tid] or "rejected"
    return accepted, errors, attempts


# ----------------------------------------------------------------------------- flow failures


def flow_failure_hook(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect ``on_failure`` hook: tell the alert channels that the daily run failed.

    Attach with ``@flow(..., on_failure=[flow_failure_hook])``. Uses the same URLs as the
    alerts (the flow's ``config_path`` parameter names the config; without it, the
    defaults). A message that cannot be sent is queued in the warehouse as pending, when
    the warehouse can be opened, and goes out with the next run. Never raises.
    """
    try:
        config: MonitorConfig | None = None
        config_path = (getattr(flow_run, "parameters", None) or {}).get("config_path")
        if config_path:
            try:
                config = load_config(config_path)
            except Exception as exc:
                log.warning("flow-failure notice: config not readable (%s); using default delivery settings", exc)
        delivery = config.alerts.delivery if config else AlertDelivery()
        urls = alert_urls(delivery)
        name = getattr(flow, "name", "flow")
        run_name = getattr(flow_run, "name", "?")
        fragments = secret_fragments(urls)
        message = redact(str(getattr(state, "message", "") or "no message"), fragments)
        title = f"Klantstem: {name} run '{run_name}' failed"
        body = (
            f"The Prefect flow **{name}** (run `{run_name}`, id `{getattr(flow_run, 'id', '?')}`) ended in state "
            f"**{getattr(state, 'name', 'Failed')}** at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n"
            f"{untrusted(message[:1500])}\n\n"
            "Staged files are kept until they are loaded; fix the cause and run it again "
            "(`klantstem run`, or retry the flow run in the Prefect UI)."
        )
        if not urls:
            log.warning("flow %s failed; no alert URLs configured (%s), nobody was notified", name, delivery.urls_env)
            return
        accepted, errors, attempts = send_with_retries(urls, title, body, "failure", delivery.retries, delivery.retry_backoff_s)
        log.info("flow-failure notice sent to %d of %d target(s)", len(accepted), len(urls))
        if errors and config is not None:
            _queue_flow_failure(config, title, body, accepted, attempts, "; ".join(errors.values()))
    except Exception as exc:  # a hook must never mask the flow's own failure
        log.warning("flow-failure notification failed: %s", type(exc).__name__)


def _queue_flow_failure(config: MonitorConfig, title: str, body: str, accepted: list[str], attempts: int, error: str) -> None:
    from alerts.store import add_delivery, record_attempt
    from warehouse.connection import connect
    from warehouse.migrate import migrate

    try:
        now = datetime.now(UTC)
        with connect(config.warehouse.path, timeout_s=min(config.warehouse.lock_timeout_s, 10)) as con:
            migrate(con)
            delivery_id = add_delivery(con, kind="flow_failure", brand=None, alert_ids=[], events=["flow_failure"],
                                       title=title, body=body, notify_type="failure", now=now)
            record_attempt(con, delivery_id, status="pending", attempts=attempts, sent_to=accepted, error=error, now=now)
        log.warning("flow-failure notice kept as pending delivery %d: %s", delivery_id, error)
    except Exception as exc:
        log.warning("flow-failure notice could not be queued either (%s)", type(exc).__name__)
