"""CLI subcommands that wire sentiment and warehouse together: ``klantstem score`` and
``klantstem model adapt``.

``register`` is called by ``klantstem/cli.py``; imports of torch happen inside the handlers
so that ``klantstem --help`` stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from klantstem.cli_args import add_config_arg, user_error
from klantstem.config import load_config




def _cmd_score(args: argparse.Namespace) -> int:
    from flows.score_file import ScoreFileError, score_file

    config = load_config(args.config)
    columns = [c.strip() for c in args.text_column.split(",") if c.strip()]
    try:
        result = score_file(config, args.file, text_columns=columns, out=args.out, progress=not args.no_progress)
    except ScoreFileError as exc:
        return user_error(str(exc))
    print(result.describe())
    return 0


def _cmd_adapt(args: argparse.Namespace) -> int:
    from flows.adapt import adapt_model
    from sentiment.adapt import AdaptError
    from warehouse.connection import connect
    from warehouse.models import deactivate_all

    config = load_config(args.config)
    if args.reset:
        if not config.warehouse.path.exists():
            return user_error(f"no warehouse at {config.warehouse.path} yet (run `klantstem run` first)")
        with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
            n = deactivate_all(con)
        print(f"{n} adapted head(s) deactivated: {config.sentiment.model} scores again from the next run")
        return 0
    try:
        outcome = adapt_model(config, brand=args.brand, min_gain=args.min_gain, activate=not args.no_activate,
                              progress=not args.no_progress)
    except AdaptError as exc:
        return user_error(str(exc))
    print(outcome.describe())
    return 0


def register(commands: argparse._SubParsersAction, model_actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``score`` to the command line and ``adapt`` to ``klantstem model``."""
    from flows.adapt import DEFAULT_MIN_GAIN

    score = commands.add_parser(
        "score", help="score a CSV/JSONL/XLSX of texts with the pipeline's sentiment model",
        description="Score a survey export, ticket dump or any table of texts with the model the daily run "
        "uses (the adapted head when one is active) and write each row back with sentiment_label, "
        "sentiment_score, p_neg, p_neu, p_pos, language and model_id.")
    add_config_arg(score)
    score.add_argument("file", type=Path, metavar="FILE", help="a .csv, .jsonl or .xlsx file with a header row")
    score.add_argument("--text-column", default="text",
                       help="column with the text; several joined with '. ' as 'title,text' (default: text)")
    score.add_argument("--out", type=Path, default=None,
                       help="where to write (.csv, .jsonl or .xlsx; default: FILE.scored.<same extension>)")
    score.add_argument("--no-progress", action="store_true", help="no progress bar")
    score.set_defaults(handler=_cmd_score)

    adapt = model_actions.add_parser(
        "adapt", help="adapt the sentiment head to the warehouse's own star-rated reviews",
        description="Learn the brand's domain from its rated reviews (1-2 stars negative, 3 neutral, 4-5 "
        "positive; on a 1-10 scale 1-3, 4-6, 7-10) and from people's corrections (weighted up). Compares the "
        "shipped and the adapted head on held-out reviews (cross-fitted by author) and makes the adapted head "
        "the scoring model only when it is better; the next run then re-scores every mention once.")
    add_config_arg(adapt)
    adapt.add_argument("--brand", default=None, help="learn from this brand's reviews only (default: all brands)")
    adapt.add_argument("--min-gain", type=float, default=DEFAULT_MIN_GAIN,
                       help=f"accuracy the adapted head must gain to be used (default {DEFAULT_MIN_GAIN})")
    adapt.add_argument("--no-activate", action="store_true", help="compare and save, but keep the current model")
    adapt.add_argument("--reset", action="store_true", help="stop using adapted heads: back to sentiment.model")
    adapt.add_argument("--no-progress", action="store_true", help="no progress bars")
    adapt.set_defaults(handler=_cmd_adapt)
