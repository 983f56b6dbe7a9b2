"""Throughput of the project's scorer against a plain ``transformers.pipeline`` on 2,000 reviews.

    python benchmarks/bench_scoring.py [--limit N] [--batch-size 32] [--slice 250]

Both run the same model (the offline default, e5-small-nl: built encoder + shipped head)
on the same bol.com reviews from ../shared/data (skips when absent). The plain baseline is
what one would write first: ``pipeline("feature-extraction")`` with default batching and
truncation at 256 tokens, then mean pooling and the head. The scorer adds length-sorted
dynamic padding, de-duplication, sentence chunking (it reads the whole text, so it does
*more* work on long reviews) and bf16 autocast on CPUs with native bf16; int8 and exact
fp32 variants are timed for comparison. Variants run round-robin on slices of the
reviews so that all of them see the same machine load (development machines are
shared). Accuracy is printed beside each speed so that a faster but worse variant shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentiment.datasets import bolcom_reviews  # noqa: E402
from sentiment.locations import shared_data_dir  # noqa: E402


def _pipeline_runner(cache_dir: str | None) -> Callable[[list[str]], list[str]]:
    """The plain baseline: feature-extraction pipeline, then mean pooling and the same head."""
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from sentiment.e5_build import ensure_built
    from sentiment.head import load_head
    from sentiment.registry import DEFAULT_MODEL, REGISTRY

    entry = REGISTRY[DEFAULT_MODEL]
    assert entry.head is not None
    folder = str(ensure_built(cache_dir))
    head = load_head(entry.head)
    hf_logging.set_verbosity_error()  # the unused pooler is reported missing; irrelevant here
    extractor = pipeline("feature-extraction", model=folder, tokenizer=folder)

    def run(texts: list[str]) -> list[str]:
        labels = []
        for hidden in extractor([entry.prefix + t for t in texts], truncation=True, max_length=256,
                                return_tensors=True):
            pooled = torch.nn.functional.normalize(hidden[0].mean(0), dim=-1).numpy()
            labels.append(("neg", "neu", "pos")[int(np.argmax(head.weight @ pooled + head.bias))])
        return labels

    return run


def _binary_accuracy(gold: tuple[str, ...], outputs: list) -> float:
    pred = [o if isinstance(o, str) else ("pos" if o.p_pos >= o.p_neg else "neg") for o in outputs]
    return float(np.mean([p == g for p, g in zip(pred, gold, strict=True)]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2000, help="number of reviews (default 2000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--slice", type=int, default=250, help="texts per round-robin round (default 250)")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--skip-pipeline", action="store_true", help="only time the scorer variants")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    root = shared_data_dir()
    if root is None:
        print("skipped: ../shared/data not found (set KLANTSTEM_SHARED_DATA)")
        return 0
    data = bolcom_reviews(root)
    texts, gold = list(data.texts[: args.limit]), data.labels[: args.limit]

    import torch

    from sentiment import load_scorer
    from sentiment.models import bf16_native

    print(f"{len(texts)} bol.com reviews ({len(set(texts))} distinct), torch threads={torch.get_num_threads()}, "
          f"native bf16={bf16_native()}, load average at start={os.getloadavg()[0]:.1f}")
    runners: dict[str, Callable[[list[str]], list]] = {}
    if not args.skip_pipeline:
        runners["transformers.pipeline (fp32, batch 1, truncated at 256 tokens)"] = _pipeline_runner(args.cache_dir)
    for name, quantize in (("scorer, default (bf16 where native)", None), ("scorer, fp32", False),
                           ("scorer, int8 dynamic", True)):
        scorer = load_scorer(batch_size=args.batch_size, cache_dir=args.cache_dir, quantize=quantize)
        runners[f"{name} [{scorer.model_id}]"] = scorer.score
    seconds = dict.fromkeys(runners, 0.0)
    outputs: dict[str, list] = {name: [] for name in runners}
    for start in range(0, len(texts), args.slice):
        part = texts[start:start + args.slice]
        for name, run in runners.items():
            began = time.perf_counter()
            outputs[name].extend(run(part))
            seconds[name] += time.perf_counter() - began
    baseline = None if args.skip_pipeline else len(texts) / seconds[next(iter(runners))]
    print(f"load average at end={os.getloadavg()[0]:.1f}")
    print("\n| run | texts/s | speed-up | bol.com accuracy |\n|---|---|---|---|")
    for name in runners:
        rate = len(texts) / seconds[name]
        speedup = f"{rate / baseline:.2f}x" if baseline else "-"
        print(f"| {name} | {rate:.1f} | {speedup} | {_binary_accuracy(gold, outputs[name]):.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
