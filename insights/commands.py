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
    from insights.themes import themes_report

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
        ("themes", themes_report, "complaint themes: negative mentions grouped by meaning, growing ones first", ("brand",)),
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

    register_search(commands)

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



def _cmd_search(args: argparse.Namespace) -> int:
    from flows.steps import configured_scorer
    from insights.search import SearchError, embed_query, render, search
    from warehouse.connection import connect

    config = load_config(args.config)
    path = config.warehouse.path
    if not Path(path).exists():
        return _fail(f"{path}: no warehouse yet; run `klantstem run` (or `klantstem demo`) first")
    if not args.query.strip():
        return _fail("search: the query is empty; say what the customers say, e.g. \"pakket nooit aangekomen\"")
    scorer = configured_scorer(config)
    try:
        vector = embed_query(scorer, args.query)
        if args.print_vector:
            print("[" + ", ".join(f"{v:.6f}" for v in vector) + "]::FLOAT[384]")
            return 0
        with connect(path, read_only=True, timeout_s=config.warehouse.lock_timeout_s) as con:
            hits = search(con, vector, scorer.model_id, brand=args.brand, since=args.since, negative=args.negative,
                          limit=args.limit, probes=args.probes)
    except SearchError as exc:
        return _fail(str(exc))
    print(render(args.query, hits))
    return 0


def _cmd_search_index(args: argparse.Namespace) -> int:
    from flows.steps import configured_scorer
    from warehouse.connection import connect
    from warehouse.embeddings import build_lists

    config = load_config(args.config)
    path = config.warehouse.path
    if not Path(path).exists():
        return _fail(f"{path}: no warehouse yet; run `klantstem run` (or `klantstem demo`) first")
    model_id = args.model_id or configured_scorer(config).model_id
    with connect(path, timeout_s=config.warehouse.lock_timeout_s) as con:
        lists = build_lists(con, model_id, args.lists)
    if not lists:
        return _fail(f"no sentence embeddings stored for {model_id}: nothing to index")
    print(f"{model_id}: {lists} lists built; `klantstem search` now probes the nearest ones")
    return 0


def register_search(commands: argparse._SubParsersAction) -> None:
    """Add ``search`` and ``search-index`` (docs/search.md)."""
    from insights.search import DEFAULT_PROBES

    search = commands.add_parser(
        "search", help="find mentions by meaning, in any language (sentence embeddings)",
        description="Embed the query with the scoring model and list the mentions closest in meaning "
        "(cosine similarity of the stored sentence embeddings), whatever words or language they use.",
    )
    add_config_arg(search)
    search.add_argument("query", help='what customers say, e.g. "pakket nooit aangekomen"')
    search.add_argument("--brand", default=None, help="only this brand")
    search.add_argument("--since", type=date.fromisoformat, default=None, help="only mentions from this day (YYYY-MM-DD)")
    search.add_argument("--negative", action="store_true", help="only negative mentions")
    search.add_argument("--limit", type=int, default=10, help="mentions to show (default 10)")
    search.add_argument("--probes", type=int, default=DEFAULT_PROBES,
                        help=f"index lists to scan when there is an index and no filter (default {DEFAULT_PROBES}; 0: all)")
    search.add_argument("--print-vector", action="store_true",
                        help="print the query's embedding as a DuckDB literal (for the search_vector macro) and stop")
    search.set_defaults(handler=_cmd_search)

    index = commands.add_parser(
        "search-index", help="build the coarse index (k-means lists) that keeps search fast on millions of mentions",
        description="Cluster the stored sentence embeddings into k-means lists (default about the square root "
        "of the number of texts) and tag every text with its list; new texts are tagged as they are stored. "
        "Run again after the warehouse grew a lot.",
    )
    add_config_arg(index)
    index.add_argument("--lists", type=int, default=None, help="number of lists (default: about sqrt(texts))")
    index.add_argument("--model-id", default=None, help="the vectors of this model id (default: the configured model's)")
    index.set_defaults(handler=_cmd_search_index)
