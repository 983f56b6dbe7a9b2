"""CLI subcommands of the alerts area: ``klantstem alerts list|backtest|deliver|run``.

``register`` is called by ``klantstem/cli.py``. Errors a user can fix (a bad config, a
locked or missing warehouse, bad dates) end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, time

from klantstem.cli_args import add_config_arg, user_error
from klantstem.config import MonitorConfig, load_config

EXIT_PENDING = 4  # `alerts deliver`: some messages are still pending or failed



def _warehouse_exists(config: MonitorConfig) -> bool:
    return config.warehouse.path.exists()


def _cmd_list(args: argparse.Namespace) -> int:
    from alerts.rules import rule as rule_named
    from warehouse.connection import connect

    config = load_config(args.config)
    if not _warehouse_exists(config):
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
    where, params = ["TRUE"], {}
    if args.status != "all":
        where.append("status = $status")
        params["status"] = args.status
    if args.brand:
        where.append("brand = $brand")
        params["brand"] = args.brand
    if args.since:
        where.append("last_day >= $since")
        params["since"] = args.since
    with connect(config.warehouse.path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'alerts_overview'"
        ).fetchall()[0][0]
        if not exists:
            print("No alerts yet (the warehouse has no alerts table; `klantstem alerts run` creates it).")
            return 0
        rows = con.execute(
            f"""
            SELECT alert_id, first_day, last_day, status, brand, source, rule, window_kind, volume,
                   observed, expected, p_value, peak_severity, delivery, top_terms
            FROM alerts_overview WHERE {" AND ".join(where)}
            ORDER BY last_day DESC, alert_id DESC LIMIT {int(args.limit)}
            """,
            params,
        ).fetchall()
    if not rows:
        print("No alerts.")
        return 0
    print(f"{'id':>5} {'first':<10} {'last':<10} {'status':<11} {'brand / source':<28} {'rule':<14} "
          f"{'observed':>9} {'expected':>9} {'p':>8} {'delivery':<8} top terms")
    for (alert_id, first, last, status, brand, source, rule, _kind, _volume, observed, expected, p_value,
         _peak, delivery, terms) in rows:
        fmt = rule_named(rule).value
        print(f"{alert_id:>5} {first!s:<10} {last!s:<10} {status:<11} {f'{brand} / {source}'[:28]:<28} {rule:<14} "
              f"{fmt(observed):>9} {fmt(expected):>9} {p_value:>8.1e} {delivery:<8} {', '.join(terms or [])}")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from alerts.backtest import backtest

    config = load_config(args.config)
    if not _warehouse_exists(config):
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
    try:
        result = backtest(config, args.from_day, args.to_day, at=args.at, every_hours=args.every_hours,
                          brands=args.brand or None)
    except ValueError as exc:
        return user_error(str(exc))
    print(result.render(all_events=args.all_events))
    return 0


def _cmd_deliver(args: argparse.Namespace) -> int:
    from alerts.delivery import deliver_pending
    from alerts.notify import alert_urls, masked, send_with_retries

    config = load_config(args.config)
    settings = config.alerts.delivery
    if args.test:
        urls = alert_urls(settings)
        if not urls:
            return user_error(f"no alert URLs configured: set {settings.urls_env} (or alerts.delivery.secret_block)")
        accepted, errors, _ = send_with_retries(
            urls, "Klantstem: test message", "If you can read this, Klantstem alerts reach this channel.",
            "info", settings.retries, settings.retry_backoff_s,
        )
        print(f"test message accepted by {len(accepted)} of {len(urls)} target(s): {', '.join(masked(u) for u in urls)}")
        for error in errors.values():
            print(f"  {error}")
        return 0 if not errors else EXIT_PENDING
    if not _warehouse_exists(config):
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
    report = deliver_pending(config, include_failed=args.retry_failed)
    print(f"{report.sent} sent, {report.pending} pending, {report.failed} failed ({report.targets} target(s) configured)")
    return EXIT_PENDING if report.pending or report.failed else 0


def _cmd_run(args: argparse.Namespace) -> int:
    from alerts.pipeline import aware, evaluation_time, run_alerts

    config = load_config(args.config)
    if args.at is not None:
        at = aware(args.at)
    else:
        at = evaluation_time(args.as_of) if args.as_of else datetime.now().astimezone()
    result = run_alerts(config, at, deliver=not args.no_deliver)
    for event in result.notified:
        print(event.describe())
    if not result.notified:
        print("Nothing new.")
    d = result.delivery
    print(f"{result.open_alerts} open alert(s); {result.messages} message(s) queued; "
          f"delivery: {d.sent} sent, {d.pending} pending, {d.failed} failed")
    return 0


def _time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time of day (HH:MM): {text!r}") from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date-time (YYYY-MM-DDTHH:MM[+01:00]): {text!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``alerts`` to the ``klantstem`` command line."""
    alerts = subparsers.add_parser(
        "alerts", help="negative spikes, volume spikes and rating drops: history, backtest, delivery",
        description="Alerts on negative-share spikes, volume spikes and rating drops per brand and "
        "per (brand, source). Rules live in [alerts] of monitor.toml; delivery URLs (Apprise) come "
        "from $KLANTSTEM_ALERT_URLS or a Prefect Secret block, never from the file.",
    )
    actions = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="list stored alerts, newest first",
                                 description="Stored alerts (the alerts_overview view) with their delivery status.")
    add_config_arg(listing)
    listing.add_argument("--status", choices=["open", "resolved", "level_shift", "all"], default="all")
    listing.add_argument("--brand", help="only this brand")
    listing.add_argument("--since", type=_day, help="only alerts active on or after this day (YYYY-MM-DD)")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=_cmd_list)

    bt = actions.add_parser(
        "backtest", help="replay the rules over stored history and print what would have fired",
        description="Simulate the scheduled runs from --from to --to with the rules in monitor.toml, "
        "starting with no alerts. Read-only: nothing is written and nothing is sent.",
    )
    add_config_arg(bt)
    bt.add_argument("--from", dest="from_day", type=_day, required=True, help="first run day (YYYY-MM-DD)")
    bt.add_argument("--to", dest="to_day", type=_day, required=True, help="last run day (YYYY-MM-DD)")
    bt.add_argument("--at", type=_time, default=time(6, 0), help="run time, Amsterdam (default 06:00, as deployed)")
    bt.add_argument("--every-hours", type=int, default=24, help="runs every N hours from --at (divides 24; default 24)")
    bt.add_argument("--brand", action="append", help="only this brand (repeatable; default: the brands in the config)")
    bt.add_argument("--all-events", action="store_true", help="also silent updates and re-openings")
    bt.set_defaults(handler=_cmd_backtest)

    deliver = actions.add_parser(
        "deliver", help="send pending alert messages now",
        description=f"Send every pending message to each configured target that has not accepted it. "
        f"Exits {EXIT_PENDING} when messages remain pending or failed.",
    )
    add_config_arg(deliver)
    deliver.add_argument("--retry-failed", action="store_true", help="also retry messages that reached max_attempts")
    deliver.add_argument("--test", action="store_true", help="send a test message to the configured URLs (nothing stored)")
    deliver.set_defaults(handler=_cmd_deliver)

    run = actions.add_parser(
        "run", help="evaluate the rules now (what the daily flow does after scoring)",
        description="Evaluate every rule, record alerts in the warehouse and send messages.",
    )
    add_config_arg(run)
    when = run.add_mutually_exclusive_group()
    when.add_argument("--as-of", type=_day, help="evaluate at the end of this day (YYYY-MM-DD)")
    when.add_argument("--at", type=_moment, help="evaluate at this moment (ISO; naive = Amsterdam time)")
    run.add_argument("--no-deliver", action="store_true", help="record and queue, do not send")
    run.set_defaults(handler=_cmd_run)
