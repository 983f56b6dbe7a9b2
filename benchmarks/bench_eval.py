"""Accuracy and macro-F1 of every loadable sentiment model on the evaluation sets.

    python benchmarks/bench_eval.py [--limit N] [--models ...]

The same numbers as ``klantstem eval`` (which this calls), plus the wall time. Hub
models are evaluated only when they are in the local Hugging Face cache; the others
are listed as skipped. Without ../shared/data only the written held-out sets are scored.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentiment.commands import DEFAULT_EVAL_MODELS  # noqa: E402
from sentiment.locations import shared_data_dir  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_EVAL_MODELS))
    parser.add_argument("--limit", type=int, default=None, help="only the first N texts of each set")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    root = shared_data_dir()
    if root is None:
        print("../shared/data not found (set KLANTSTEM_SHARED_DATA): the written held-out sets only")
    import json
    from dataclasses import asdict

    from sentiment.datasets import load_eval_sets
    from sentiment.evaluate import format_table, run_eval

    start = time.perf_counter()
    results, skipped = run_eval(args.models, load_eval_sets(root), cache_dir=args.cache_dir, limit=args.limit)
    print(format_table(results, skipped))
    print("\n| model | data set | texts/s |\n|---|---|---|")
    for r in results:
        print(f"| {r.model} | {r.dataset} | {r.texts_per_s:.1f} |")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"results": [asdict(r) for r in results], "skipped": skipped}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
