"""CLI subcommands of the warehouse area: ``klantstem export parquet``,
``klantstem warehouse status|rebuild`` and ``klantstem label``.

``register`` is called by ``klantstem/cli.py``. Errors a user can fix (a bad config, a
locked or missing warehouse, a bad date) end in one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from pathlib import Path

from klantstem.cli_args import add_config_arg, user_error
from klantstem.config import load_config




def _cmd_export_parquet(args: argparse.Namespace) -> int:
    from warehouse.connection import connect
    from warehouse.export import export_parquet

    config = load_config(args.config)
    if not config.warehouse.path.exists():
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
    with connect(config.warehouse.path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
        result = export_parquet(con, args.out, since=args.since)
    print(result.describe())
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from warehouse import incremental
    from warehouse.connection import connect

    config = load_config(args.config)
    if not config.warehouse.path.exists():
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
    with connect(config.warehouse.path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
        if not incremental.is_maintained(con):
            print("The warehouse predates migration 004: the next `klantstem run` adds the maintained tables.")
            return 0
        status = incremental.sync_status(con)
    state = "in sync" if status.in_sync else "OUT OF SYNC (views compute from the base tables; run `klantstem warehouse rebuild`)"
    print(f"{status.mentions_rows:,} mentions, {status.scores_rows:,} scores; maintained tables {state}")
    return 0


def _cmd_rebuild(args: argparse.Namespace) -> int:
    from warehouse import incremental
    from warehouse.connection import connect
    from warehouse.migrate import migrate

    config = load_config(args.config)
    with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
        migrate(con)
        result = incremental.rebuild(con)
    print(f"rebuilt current_scores ({result.mentions:,} mentions) and daily_aggregates ({result.days:,} days) "
          f"in {result.seconds:.1f} s")
    return 0


def _cmd_label(args: argparse.Namespace) -> int:
    from warehouse.connection import connect
    from warehouse.corrections import Correction, CorrectionError, parse_label, read_corrections_csv, record
    from warehouse.migrate import migrate

    config = load_config(args.config)
    if not config.warehouse.path.exists():
        return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
    by = args.by or getpass.getuser()
    try:
        if args.import_csv is not None:
            if args.mention_id or args.label:
                return user_error("give either MENTION_ID LABEL or --import FILE, not both")
            corrections = read_corrections_csv(args.import_csv, by)
        elif args.mention_id and (args.label or args.withdraw):
            if args.label and args.withdraw:
                return user_error("give a LABEL or --withdraw, not both")
            label = None if args.withdraw else parse_label(args.label)
            corrections = [Correction(args.mention_id, label, by, args.reason)]
        else:
            return user_error("give MENTION_ID and a LABEL (neg, neu or pos), MENTION_ID --withdraw, or --import FILE")
        with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
            migrate(con)
            stored = record(con, corrections)
    except CorrectionError as exc:
        return user_error(str(exc))
    what = "withdrawn" if args.withdraw else "recorded"
    print(f"{stored} correction(s) {what} by {by}; they count in every view from now on and survive re-scoring")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="export the warehouse for other engines")
    export_commands = export.add_subparsers(dest="export_command", required=True, metavar="FORMAT")
    parquet = export_commands.add_parser(
        "parquet", help="Parquet files partitioned by day (Hive style)",
        description="Write mentions (with current sentiment), sentiment_scores, daily_sentiment and crawl_runs "
        "as Parquet, one folder per dataset with day=YYYY-MM-DD partitions, readable by any engine.",
    )
    add_config_arg(parquet)
    parquet.add_argument("--out", type=Path, required=True, help="folder to write (created if missing)")
    parquet.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                         help="rewrite only the partitions from this day on (nightly incremental export)")
    parquet.set_defaults(handler=_cmd_export_parquet)

    warehouse = commands.add_parser("warehouse", help="maintenance of the DuckDB warehouse")
    warehouse_commands = warehouse.add_subparsers(dest="warehouse_command", required=True, metavar="COMMAND")
    status = warehouse_commands.add_parser("status", help="are the incrementally maintained tables in sync?")
    add_config_arg(status)
    status.set_defaults(handler=_cmd_status)
    rebuild = warehouse_commands.add_parser(
        "rebuild", help="rebuild current_scores and daily_aggregates from the base tables",
        description="Needed only after rows were written past the loader (by hand); the daily run does it too.",
    )
    add_config_arg(rebuild)
    rebuild.set_defaults(handler=_cmd_rebuild)

    label = commands.add_parser(
        "label", help="correct a mention's sentiment label (or import corrections from a CSV)",
        description="Record a person's verdict on a mention's sentiment. It overrides the model's label in "
        "mentions_scored, daily_sentiment and every view built on them, keeps who/when/why "
        "(sentiment_correction_log), survives re-scoring and model changes, and counts extra in "
        "`klantstem model adapt`. MENTION_ID may be a unique prefix of at least 8 characters.")
    add_config_arg(label)
    label.add_argument("mention_id", nargs="?", metavar="MENTION_ID", help="the mention (mentions_scored.mention_id)")
    label.add_argument("label", nargs="?", metavar="LABEL", help="neg, neu or pos")
    label.add_argument("--reason", default=None, help="why (kept with the correction)")
    label.add_argument("--by", default=None, help="who corrects (default: the login name)")
    label.add_argument("--withdraw", action="store_true", help="withdraw the correction in force for MENTION_ID")
    label.add_argument("--import", dest="import_csv", type=Path, metavar="FILE",
                       help="CSV with columns mention_id,label[,reason][,corrected_by]; all rows or none are stored")
    label.set_defaults(handler=_cmd_label)
