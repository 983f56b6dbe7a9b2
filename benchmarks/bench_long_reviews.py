"""Does the chunk-combination rule tip long positive reviews to negative? Measured, not guessed.

    python benchmarks/bench_long_reviews.py [--limit N]

Scores the bol.com reviews in ../shared/data (evaluation only; skips when absent) once, keeping
each chunk's probabilities, then combines the chunks two ways: the shipped rule (token-weighted
mean, a clearly negative chunk keeps half the weight: sentiment/chunking.py) and a plain
token-weighted mean. Prints positive and negative recall per length bucket for both, and how
many reviews were long enough to be cut into chunks at all.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentiment.datasets import bolcom_reviews  # noqa: E402
from sentiment.locations import shared_data_dir  # noqa: E402

BUCKETS = ((0, 40), (40, 80), (80, 170), (170, 100_000))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    root = shared_data_dir()
    if root is None:
        print("skipped: ../shared/data not found (set KLANTSTEM_SHARED_DATA)")
        return 0
    from sentiment import load_scorer
    from sentiment.chunking import combine

    data = bolcom_reviews(root)
    texts, gold = list(data.texts[: args.limit]), np.array(data.labels[: args.limit])
    scorer = load_scorer(precision="fp32")
    segments = scorer._segmenter(texts)
    values, _ = scorer.segment_values(segments, progress=True)
    lengths = np.array([len(s) for s in segments.ids])
    owner = np.array(segments.owner)
    words = np.array([len(t.split()) for t in texts])
    chunks = np.bincount(owner, minlength=len(texts))

    def predict(rule: bool) -> np.ndarray:
        out = []
        for t in range(len(texts)):
            mine = owner == t
            v = values[mine]
            w = lengths[mine].clip(min=1)
            row = combine(v, w) if rule else (w @ v) / w.sum()
            out.append("pos" if row[2] >= row[0] else "neg")
        return np.array(out)

    rule, plain = predict(True), predict(False)
    print(f"\n{scorer.model_id}; {int((chunks > 1).sum())} of {len(texts)} reviews were cut into chunks "
          "(over 256 tokens); the rule only touches those")
    print("\n| words | reviews | chunked | pos recall (rule) | pos recall (plain mean) | neg recall (rule) | "
          "neg recall (plain mean) |\n|---|---|---|---|---|---|---|")
    for lo, hi in BUCKETS:
        sel = (words >= lo) & (words < hi)
        pos, neg = sel & (gold == "pos"), sel & (gold == "neg")
        cells = [f"{np.mean(p[m] == g):.3f}" if m.any() else "-" for p, m, g in
                 ((rule, pos, "pos"), (plain, pos, "pos"), (rule, neg, "neg"), (plain, neg, "neg"))]
        label = f"{lo}-{hi - 1}" if hi < 100_000 else f"{lo}+"
        print(f"| {label} | {int(sel.sum())} | {int((sel & (chunks > 1)).sum())} | " + " | ".join(cells) + " |")
    print(f"\naccuracy: rule {np.mean(rule == gold):.3f}, plain mean {np.mean(plain == gold):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
