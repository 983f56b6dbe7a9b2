"""What `klantstem model adapt` gains on a brand's own rated reviews, measured honestly.

    python benchmarks/bench_adapt.py [--limit N] [--curve 100 200 400 800]

The bol.com reviews in ../shared/data stand in for "a brand's rated reviews" (allowed by
../shared/data/SOURCES.md: fit on one part, evaluate cross-fitted on the rest, nothing saved or
shipped). Every review is scored by a head that did not see it (5 folds; the prior strength is
chosen inside each training fold), and the shipped head is scored on the same reviews. Prints
base vs adapted accuracy and the time each step took. ``--curve`` also answers "how many rated
reviews does a brand need": each fold's head learns from only N of its training reviews (a fixed
random draw), scored on the same held-out reviews. Skips when the data is absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentiment.datasets import bolcom_reviews  # noqa: E402
from sentiment.locations import shared_data_dir  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2000, help="reviews to use (default 2000)")
    parser.add_argument("--curve", type=int, nargs="*", default=(),
                        help="also adapt on only N training reviews per fold, for each N given")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    root = shared_data_dir()
    if root is None:
        print("skipped: ../shared/data not found (set KLANTSTEM_SHARED_DATA)")
        return 0
    from sentiment.adapt import adapt_head
    from sentiment.evaluate import cpu_description
    from sentiment.head import load_head
    from sentiment.registry import DEFAULT_MODEL, REGISTRY
    from sentiment.scorer import load_scorer

    data = bolcom_reviews(root)
    texts, labels = list(data.texts[: args.limit]), list(data.labels[: args.limit])
    head_path = REGISTRY[DEFAULT_MODEL].head
    assert head_path is not None
    base = load_head(head_path)
    print(f"{len(texts)} bol.com reviews as the brand's rated reviews; base {DEFAULT_MODEL}@{base.sha8}; "
          f"CPU {cpu_description()}, load average {os.getloadavg()[0]:.1f}")
    began = time.perf_counter()
    scorer = load_scorer(DEFAULT_MODEL)  # the encoder path `model adapt` and scoring use on this CPU
    _, features = scorer.score_with_embeddings(texts, progress=True)
    embedded = time.perf_counter() - began
    began = time.perf_counter()
    _, report = adapt_head(features, labels, [f"review{i}" for i in range(len(texts))], (base.weight, base.bias))
    fitted = time.perf_counter() - began
    print(f"\nembedding ({scorer.precision} encoder) {embedded:.0f} s, cross-fitting and final fit {fitted:.0f} s, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("\n| head | accuracy on held-out reviews (cross-fitted) |\n|---|---|")
    print(f"| shipped {DEFAULT_MODEL}@{base.sha8} | {report.base_accuracy:.3f} |")
    print(f"| adapted (prior strength {report.prior_strength:g}) | {report.adapted_accuracy:.3f} "
          f"({100 * report.gain:+.1f} points) |")
    if args.curve:
        print("\n| rated reviews the head learns from | accuracy on the same held-out reviews |\n|---|---|")
        for n in args.curve:
            print(f"| {n} | {_curve_point(features, labels, (base.weight, base.bias), n):.3f} |")
    return 0


def _curve_point(features, labels, base, n: int) -> float:  # type: ignore[no-untyped-def]
    """Cross-fitted accuracy when each fold's head learns from only ``n`` of its training reviews."""
    import numpy as np

    from sentiment.adapt import clear_accuracy, cross_fitted
    from sentiment.labels import LABELS

    y = np.array([LABELS.index(label) for label in labels])
    probs = cross_fitted(features, y, np.ones(len(y)), [f"review{i}" for i in range(len(y))], base, train_limit=n)
    return clear_accuracy(y, probs)


if __name__ == "__main__":
    raise SystemExit(main())
