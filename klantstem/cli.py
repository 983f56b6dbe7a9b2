"""``klantstem``: the command line.

Every command has ``--help``. Errors a user can fix (a bad config, a locked warehouse, a run
already in progress, an unwritable folder) end in one line on stderr and exit code 2, not a
traceback; errors of the machine (a full disk, an I/O error) in one line and exit code 1.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from klantstem import __version__
from klantstem.cli_args import EXIT_USER_ERROR, add_config_arg
from klantstem.config import ConfigError, load_config
from klantstem.ephemeral import start_tied_api_server
from klantstem.preflight import check_writable
from klantstem.runlock import RunInProgressError, run_lock

EXIT_ENVIRONMENT = 1
EXIT_SOURCES_FAILED = 3


def _cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # refuse a bad file before Prefect or any crawl starts
    check_writable(config, args.config)
    with run_lock(config.warehouse.path):  # before Prefect starts: a second run stops in one line
        from flows.daily import run_once

        start_tied_api_server()
        summary = run_once(args.config, as_of=args.as_of, progress=not args.no_progress)
    print(summary.render())
    return EXIT_SOURCES_FAILED if summary.failed_sources else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from flows.daily import run_once
    from klantstem.demo.server import DemoServer
    from klantstem.demo.site import demo_config_toml

    data_dir: Path = args.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    config_path = data_dir / "monitor.demo.toml"
    with DemoServer(today=args.today) as server:
        config_path.write_text(demo_config_toml(server.base_url, data_dir="."), encoding="utf-8")
        config = load_config(config_path)
        check_writable(config, config_path)
        print(f"Demo site on {server.base_url}; warehouse {data_dir / 'klantstem.duckdb'}", file=sys.stderr)
        with run_lock(config.warehouse.path):
            start_tied_api_server()
            first = None
            if not config.warehouse.path.exists():
                # A fresh demo first sees the site as it stood at the start of today, so this
                # morning's replies and raised ratings arrive on a later crawl (docs/replies.md).
                server.show_as_of(server.history.start_of_today())
                first = run_once(config_path, as_of=args.today, progress=not args.no_progress)
                server.show_as_of(None)
            summary = run_once(config_path, as_of=args.today, progress=not args.no_progress)
    if first is not None:
        print(f"First crawl, the demo site as it stood at the start of today: {sum(s.new for s in first.sources)} "
              f"new reviews, {first.scored} scored. Then the site as it is now (this morning's reviews, replies "
              "and raised ratings):\n")
        summary = dataclasses.replace(summary, spikes=[*first.spikes, *summary.spikes])
    print(summary.render())
    print(f"\nQuery it: duckdb -readonly {data_dir / 'klantstem.duckdb'} \"FROM daily_sentiment WHERE source = 'all' ORDER BY day DESC LIMIT 9\"")
    print(f"Answer it: klantstem inbox -c {config_path}")
    return EXIT_SOURCES_FAILED if summary.failed_sources else 0


def _cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    check_writable(config, args.config)
    sources = sum(len(b.sources) for b in config.brands)
    print(f"{args.config}: OK ({len(config.brands)} brands, {sources} sources, warehouse {config.warehouse.path})")
    for brand in config.brands:
        if not brand.sources:
            print(f"klantstem: warning: brand {brand.name!r} has no [[brands.sources]]: `klantstem run` crawls "
                  "nothing for it (fine for a brand you only analyse)", file=sys.stderr)
    return 0


def _cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.connection import connect

    config = load_config(args.config)
    if not config.warehouse.path.is_file():
        raise ConfigError(f"{config.warehouse.path}: no warehouse yet (run `klantstem run` or `klantstem demo` first)")
    with connect(config.warehouse.path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
        try:
            con.sql(args.query).show(max_rows=args.max_rows, max_width=200)
        except duckdb.Error as exc:
            print(f"klantstem: error: query refused: {str(exc).splitlines()[0]}", file=sys.stderr)
            return EXIT_USER_ERROR
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="klantstem",
        description="Reputation monitoring for Dutch-speaking companies: crawl reviews and posts, "
        "score Dutch sentiment, query it in DuckDB.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daily monitoring flow once", description=
                              "Crawl all sources, load, score, refresh views and detect spikes, once. "
                              f"Exits {EXIT_SOURCES_FAILED} when a source failed (the others are loaded).")
    add_config_arg(run)
    run.add_argument("--as-of", type=date.fromisoformat, default=None, help="last day of the spike window (YYYY-MM-DD; default today)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.set_defaults(handler=_cmd_run)

    demo = commands.add_parser(
        "demo", help="serve the bundled demo site on 127.0.0.1, crawl it and load a local warehouse",
        description="Start the demo review site (four fictional brands, Dutch reviews and for the Belgian one "
        "French ones too, a negative spike in the last days) on 127.0.0.1, run the daily flow against it and "
        "print the summary. A fresh demo crawls the site twice: as it stood at the start of today and as it is "
        "now (replies and raised ratings of this morning). Running it again adds no duplicates.",
    )
    demo.add_argument("--data-dir", type=Path, default=Path("data"), help="where the warehouse and staging go (default: ./data)")
    demo.add_argument("--today", type=date.fromisoformat, default=None, help="pretend today is this date (YYYY-MM-DD)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo.set_defaults(handler=_cmd_demo)

    config = commands.add_parser("config", help="work with monitor.toml")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_commands.add_parser("check", help="validate the config file and exit", description="Validate the config; exit 2 with the offending field on error.")
    add_config_arg(check)
    check.set_defaults(handler=_cmd_config_check)

    sql = commands.add_parser("sql", help="run a read-only SQL query on the warehouse",
                              description="Run one SQL query on a read-only connection and print the result.")
    add_config_arg(sql)
    sql.add_argument("query", help="e.g. \"FROM daily_sentiment WHERE source = 'all' ORDER BY day DESC\"")
    sql.add_argument("--max-rows", type=int, default=40)
    sql.set_defaults(handler=_cmd_sql)

    # Each area registers its own subcommands: one import and one call per area.
    from alerts.commands import register as register_alerts
    from flows.commands import register as register_flows
    from insights.commands import register as register_insights
    from report.commands import register as register_report
    from sentiment.commands import register as register_sentiment
    from warehouse.commands import register as register_warehouse
    from warehouse.inbox import register as register_inbox

    model_actions = register_sentiment(commands)
    register_flows(commands, model_actions)
    register_alerts(commands)
    register_insights(commands)
    register_report(commands)
    register_warehouse(commands)
    register_inbox(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Local-first: a run must not try to phone home (it would only log a DNS error offline).
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Prefect's client logs every API call at INFO; that drowns the run's own story.
    logging.getLogger("httpx").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    import duckdb

    from warehouse.connection import WarehouseLockedError

    try:
        return int(args.handler(args))
    except (ConfigError, WarehouseLockedError, RunInProgressError) as exc:
        print(f"klantstem: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except (duckdb.Error, OSError) as exc:
        # The machine, not the code: a full disk, a file that vanished, an I/O error. Say what
        # happened in one line; -v shows where.
        if args.verbose:
            raise
        print(f"klantstem: error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(nothing half-written is kept: each load is one transaction; run again once fixed, -v for details)",
              file=sys.stderr)
        return EXIT_ENVIRONMENT


if __name__ == "__main__":
    sys.exit(main())
