"""``klantstem report`` and ``klantstem dashboard``: registered by klantstem/cli.py.

Both read the warehouse over read-only connections. Problems a user can fix (a bad config,
a port in use) end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from klantstem.cli_args import EXIT_USER_ERROR, add_config_arg
from klantstem.config import DEFAULT_CONFIG_NAME, load_config

DEFAULT_OUTPUT = Path("klantstem-report.html")


def _fail(message: str) -> int:
    print(f"klantstem: error: {message}", file=sys.stderr)
    return EXIT_USER_ERROR


def _source(args: argparse.Namespace):
    """(warehouse path, brands from the config or None, lock timeout)."""
    from report.build import brands_from_config

    config = None
    # With --warehouse the config is optional (it only orders the brands and marks the own
    # one), unless it is named or present.
    if args.warehouse is None or args.config != Path(DEFAULT_CONFIG_NAME) or args.config.exists():
        config = load_config(args.config)
    warehouse = args.warehouse or config.warehouse.path
    brands = brands_from_config(config) if config is not None else None
    timeout = config.warehouse.lock_timeout_s if config is not None else 300.0
    return Path(warehouse), brands, timeout


def _cmd_report(args: argparse.Namespace) -> int:
    from report.build import write_report

    warehouse, brands, timeout = _source(args)
    result = write_report(warehouse, args.output, brands=brands, as_of=args.as_of, bucket=args.bucket,
                          title=args.title, timeout_s=timeout)
    print(result.describe())
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from report.server import DashboardServer

    warehouse, brands, _ = _source(args)
    try:
        server = DashboardServer(warehouse, brands=brands, port=args.port, refresh_s=args.refresh,
                                 title=args.title, as_of=args.as_of)
    except OSError as exc:
        return _fail(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror or exc}); try another --port")
    print(f"Klantstem dashboard on {server.url} (warehouse {warehouse}; refreshes every {args.refresh:g} s). "
          "Ctrl+C stops it.", flush=True)
    if args.open:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.close()
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    from report.render import DEFAULT_TITLE

    add_config_arg(parser)
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="DuckDB file to read (default: [warehouse] path of the config)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="day the period presets (last 7/30/90 days) end (YYYY-MM-DD; default today)")
    parser.add_argument("--title", default=DEFAULT_TITLE, help="page title")


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``dashboard`` to the klantstem command line."""
    report = commands.add_parser(
        "report", help="write a self-contained HTML dashboard of the warehouse",
        description="Write one HTML file (charts, data and script inline; works offline) with sentiment over "
        "time per brand and competitors, volume by source, grade/NPS distribution, journey steps "
        "(importance x performance), blind spots versus the survey and the latest alerts with example "
        "mentions, filterable by brand, source and period. Reads the warehouse read-only.",
    )
    _common(report)
    report.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"HTML file to write (default: ./{DEFAULT_OUTPUT})")
    report.add_argument("--bucket", choices=("day", "week"), default=None,
                        help="time resolution of the embedded data (default: day up to ~6 months, else week)")
    report.set_defaults(handler=_cmd_report)

    dashboard = commands.add_parser(
        "dashboard", help="serve the dashboard on 127.0.0.1, refreshed from the warehouse",
        description="Serve the report page on 127.0.0.1 only. The data is re-read (read-only, briefly) when "
        "the warehouse changes, and the open page picks it up every --refresh seconds without losing its "
        "filters; while a run holds the warehouse, the last data is shown, marked as such.",
    )
    _common(dashboard)
    dashboard.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 = any free port)")
    dashboard.add_argument("--refresh", type=float, default=60, help="seconds between the page's refreshes (default 60)")
    dashboard.add_argument("--open", action="store_true", help="open the page in the default browser")
    dashboard.set_defaults(handler=_cmd_dashboard)
