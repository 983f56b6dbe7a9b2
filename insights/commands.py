"""``klantstem insights ...`` and ``klantstem survey import``: registered by klantstem/cli.py.

Report commands open the warehouse read-only and print Dutch tables; ``insights refresh``
and ``survey import`` write. Problems a user can fix end in one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb

from klantstem.cli_args import EXIT_USER_ERROR, add_config_arg
from klantstem.config import load_config



def _fail(message: str) -> int:
    print(f"klantstem: error: {message}", file=sys.stderr)
    return EXIT_USER_ERROR


def _report(build: Callable[..., str], **kwargs) -> Callable[[argparse.Namespace], int]:
    """A handler that opens the warehouse read-only and prints one report."""

    def handler(args: argparse.Namespace) -> int:
        from warehouse.connection import connect

        config = load_config(args.config)
        path = config.warehouse.path
        if not Path(path).exists():
            return _fail(f"{path}: no warehouse yet; run `klantstem run` (or `klantstem demo`) first")
        options = {k: getattr(args, k) for k in kwargs}
        with connect(path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
            try:
                text = build(con, **options)
            except duckdb.CatalogException:
                return _fail(f"{path}: the insights tables are missing; run `klantstem insights refresh` first")
        print(text)
        return 0

    return handler


def _cmd_refresh(args: argparse.Namespace) -> int:
    from insights.pipeline import refresh_insights

    config = load_config(args.config)
    result = refresh_insights(config, as_of=args.as_of, progress=not args.no_progress)
    print(result.describe())
    return 0


def _cmd_survey_import(args: argparse.Namespace) -> int:
    from insights.survey import SurveyImportError, import_survey

    config = load_config(args.config)
    try:
        result = import_survey(config, args.file, sheet=args.sheet, survey=args.survey)
    except SurveyImportError as exc:
        return _fail(str(exc))
    print(result.describe())
    for note in result.notes():
        print(f"klantstem: warning: {note}", file=sys.stderr)
    print("Draai `klantstem insights blind-spots` om enquête en publieke vermeldingen te vergelijken.")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from insights.aspects import AspectTagger, load_lexicon
    from insights.validate import default_semeval_dir, load_semeval, validate_aspects

    if args.language != "nl":
        from insights.validate_languages import load_journey_set, validate_journey

        tagger = AspectTagger(load_lexicon(args.aspects_file, language=args.language))
        print(validate_journey(load_journey_set(args.language), tagger).render())
        return 0
    folder = args.data or default_semeval_dir()
    if not folder.exists():
        print(f"SemEval data not found at {folder}: nothing to validate (pass --data DIR).")
        return 0
    tagger = AspectTagger(load_lexicon(args.aspects_file))
    scorer = None
    if not args.no_sentiment:
        from sentiment import load_scorer

        scorer = load_scorer(args.model)
    print(validate_aspects(load_semeval(folder), tagger, scorer).render())
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``insights`` and ``survey`` to the klantstem command line."""
    from insights import report
    from insights.language_report import languages_report

    insights = commands.add_parser(
        "insights", help="aspects, key drivers, grade distributions, competitors, blind spots, emerging topics",
        description="Insights for reputation managers. `refresh` computes them (incrementally); "
        "the other actions print them. Every table is also a DuckDB view (see README, Insights).",
    )
    actions = insights.add_subparsers(dest="insights_command", required=True, metavar="ACTION")

    refresh = actions.add_parser("refresh", help="tag new mentions, score aspects, recompute drivers and emerging topics",
                                 description="Tag mentions not tagged yet with journey aspects, score the aspect "
                                 "sentences with the configured sentiment model, and recompute key drivers and "
                                 "the emerging topics of the week ending --as-of.")
    add_config_arg(refresh)
    refresh.add_argument("--as-of", type=date.fromisoformat, default=None,
                         help="last day of the emerging-topics week (YYYY-MM-DD; default today)")
    refresh.add_argument("--no-progress", action="store_true", help="no progress bars")
    refresh.set_defaults(handler=_cmd_refresh)

    for name, build, help_text, extra in (
        ("aspects", report.aspects_report, "per brand and aspect: how often mentioned, how negative, which grade",
         ("brand", "language")),
        ("grades", report.grades_report, "grade distribution 1-10, NPS split, the three levels, share unhappy",
         ("brand", "language")),
        ("benchmark", report.benchmark_report, "own brand and competitors side by side per aspect", ("metric", "language")),
        ("drivers", report.drivers_report, "key drivers: which aspect fix raises the review grade most",
         ("brand", "language")),
        ("blind-spots", report.blind_spots_report, "what unhappy customers say in public but not in the survey, and back", ("limit",)),
        ("emerging", report.emerging_report, "terms rising in organic negative mentions this week", ("brand", "language")),
        ("languages", languages_report, "per brand and language: mentions, share with a journey step, sentiment, grades",
         ("brand",)),
    ):
        action = actions.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        add_config_arg(action)
        if "brand" in extra:
            action.add_argument("--brand", default=None, help="only this brand")
        if "metric" in extra:
            action.add_argument("--metric", default="share_negative", choices=sorted(report.BENCHMARK_METRICS),
                                help="what to compare (default: share_negative)")
        if "language" in extra:
            action.add_argument("--language", default=None, metavar="CODE",
                                help="only mentions in this language group: nl, fr, en (the brand's "
                                "monitor.toml languages) or other")
        if "limit" in extra:
            action.add_argument("--limit", type=int, default=10, help="terms per direction (default 10)")
        action.set_defaults(handler=_report(build, **{k: None for k in extra}))

    validate = actions.add_parser(
        "validate-aspects", help="precision/recall of aspect tagging and aspect sentiment on SemEval-2016 Dutch",
        description="Evaluate aspect tagging (and aspect sentiment) on the SemEval-2016 Dutch restaurant "
        "reviews in ../shared/data (never copied into the repository); prints nothing to score when absent. "
        "With --language fr or en: journey-step tagging on the French or English sentences shipped in "
        "insights/validation (written for Klantstem).",
    )
    validate.add_argument("--language", default="nl", choices=["nl", "fr", "en"],
                          help="nl: SemEval-2016 Dutch (default); fr, en: the shipped journey-step sets")
    validate.add_argument("--data", type=Path, default=None, help="folder with restaurants_dutch_training.xml")
    validate.add_argument("--aspects-file", type=Path, default=None,
                          help="term-list overrides, e.g. insights/aspects_horeca.toml")
    validate.add_argument("--model", default="e5-small-nl", help="sentiment model (default: e5-small-nl)")
    validate.add_argument("--no-sentiment", action="store_true", help="tagging only, no sentiment model")
    validate.set_defaults(handler=_cmd_validate)

    survey = commands.add_parser("survey", help="import the company's own survey results",
                                 description="The company's own survey (date, score 0-10, open answer, segment).")
    survey_actions = survey.add_subparsers(dest="survey_command", required=True, metavar="ACTION")
    imp = survey_actions.add_parser(
        "import", help="import a CSV or XLSX survey export (idempotent)",
        description="Import survey answers from CSV (comma or semicolon) or XLSX. Columns: date (datum), "
        "score (cijfer) 0-10, answer (antwoord), optional segment and id. Rows that cannot be read are "
        "skipped and listed (row and column); a file without a readable row is refused. Importing the same "
        "file again stores each answer once, so a fixed file adds exactly the fixed rows.",
    )
    add_config_arg(imp)
    imp.add_argument("file", type=Path, help="survey export (.csv or .xlsx)")
    imp.add_argument("--sheet", default=None, help="XLSX sheet name (default: the first sheet)")
    imp.add_argument("--survey", default=None, metavar="NAME",
                     help="the survey that answers without an id belong to (default: the file name); "
                     "give an earlier file's name when this file is a longer export of it")
    imp.set_defaults(handler=_cmd_survey_import)

