"""Throughput of the project's scorer against a plain ``transformers.pipeline``, with accuracy.

    python benchmarks/bench_scoring.py [--limit N] [--batch-size 32] [--slice 250] [--threads N]
    KLANTSTEM_BF16=0 python benchmarks/bench_scoring.py   # measure a CPU without native bf16

All runs use the same model (the offline default, e5-small-nl: built encoder + shipped head)
on the same bol.com reviews from ../shared/data (skips when absent). The plain baseline is
what one would write first: ``pipeline("feature-extraction")`` with default batching and
truncation at 256 tokens, then mean pooling and the head. The scorer adds length-sorted
dynamic padding, de-duplication, language detection and sentence chunking (it reads the
whole text, so it does *more* work on long reviews). Its precisions are each timed:
the ONNX Runtime int8 encoder, exact torch fp32, and bf16 autocast where the CPU has native
bf16 (``KLANTSTEM_BF16=0`` hides it, to measure a CPU without it); the row marked "default"
is what ``load_scorer()`` picks here.

Variants run round-robin on slices of the reviews so that all of them see the same machine
load (development machines are shared); each is warmed up on a few texts first. Under load,
multi-threaded runs of many small operations (the pipeline's batches of one) lose most: their
threads wait for each other at every operation, so compare ratios at the same ``--threads``
and give the load average the script prints. Beside each speed: bol.com accuracy
(``p_pos >= p_neg`` is positive) and how many 3-class labels equal the exact fp32 scorer's,
so that a faster but different variant shows.
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

PIPELINE = "transformers.pipeline (fp32, batch 1, truncated at 256 tokens) + the same head"
NAMES = {"int8": "scorer, ONNX Runtime int8", "fp32": "scorer, torch fp32 (exact)", "bf16": "scorer, torch bf16 autocast"}


def _pipeline_runner(cache_dir: str | None) -> Callable[[list[str]], list[tuple[str, str]]]:
    """The plain baseline: feature-extraction pipeline, then mean pooling and the same head.

    Returns (3-class label, neg/pos by ``p_pos >= p_neg``) per text, as the scorer is judged."""
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

    def run(texts: list[str]) -> list[tuple[str, str]]:
        labels = []
        for hidden in extractor([entry.prefix + t for t in texts], truncation=True, max_length=256,
                                return_tensors=True):
            pooled = torch.nn.functional.normalize(hidden[0].mean(0), dim=-1).numpy()
            logits = head.weight @ pooled + head.bias
            labels.append((("neg", "neu", "pos")[int(np.argmax(logits))], "pos" if logits[2] >= logits[0] else "neg"))
        return labels

    return run


def _binary(outputs: list) -> list[str]:
    return [o[1] if isinstance(o, tuple) else ("pos" if o.p_pos >= o.p_neg else "neg") for o in outputs]


def _labels(outputs: list) -> list[str]:
    return [o[0] if isinstance(o, tuple) else o.label for o in outputs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=2000, help="number of reviews (default 2000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--slice", type=int, default=250, help="texts per round-robin round (default 250)")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--skip-pipeline", action="store_true", help="only time the scorer variants")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for torch and ONNX Runtime alike (default: torch's, the physical cores); "
                        "1 is the fair measure on a machine other work keeps busy")
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

    if args.threads:
        torch.set_num_threads(args.threads)  # the ONNX Runtime session takes the same count
    from sentiment import load_scorer
    from sentiment.evaluate import cpu_description
    from sentiment.models import bf16_native, choose_precision
    from sentiment.registry import DEFAULT_MODEL, resolve

    default = choose_precision(None, resolve(DEFAULT_MODEL))
    print(f"CPU: {cpu_description()}")
    print(f"{len(texts)} bol.com reviews ({len(set(texts))} distinct); torch and ONNX Runtime threads: "
          f"{torch.get_num_threads()}; load_scorer() default here: {default}; "
          f"load average at start: {os.getloadavg()[0]:.1f}")
    runners: dict[str, Callable[[list[str]], list]] = {}
    if not args.skip_pipeline:
        runners[PIPELINE] = _pipeline_runner(args.cache_dir)
    precisions = ["int8", "fp32"] + (["bf16"] if bf16_native() else [])
    fp32_name = ""
    for precision in precisions:
        scorer = load_scorer(batch_size=args.batch_size, cache_dir=args.cache_dir, precision=precision)
        name = NAMES[precision] + (" = default" if precision == default else "") + f" [{scorer.model_id}]"
        fp32_name = name if precision == "fp32" else fp32_name
        runners[name] = scorer.score
    for run in runners.values():
        run(texts[-8:])  # warm-up: lazy initialisation is not throughput
    seconds = dict.fromkeys(runners, 0.0)
    outputs: dict[str, list] = {name: [] for name in runners}
    for start in range(0, len(texts), args.slice):
        part = texts[start:start + args.slice]
        for name, run in runners.items():
            began = time.perf_counter()
            outputs[name].extend(run(part))
            seconds[name] += time.perf_counter() - began
    baseline = None if args.skip_pipeline else len(texts) / seconds[PIPELINE]
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    reference = _labels(outputs[fp32_name])
    print("\n| run | texts/s | speed-up vs pipeline | bol.com accuracy | labels = fp32 scorer |\n|---|---|---|---|---|")
    for name in runners:
        rate = len(texts) / seconds[name]
        speedup = f"{rate / baseline:.2f}x" if baseline else "-"
        accuracy = float(np.mean([p == g for p, g in zip(_binary(outputs[name]), gold, strict=True)]))
        same = "-" if name == PIPELINE else f"{np.mean([a == b for a, b in zip(_labels(outputs[name]), reference)]):.3f}"
        print(f"| {name} | {rate:.1f} | {speedup} | {accuracy:.3f} | {same} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
