"""``klantstem eval``: accuracy and macro-F1 of every loadable model on the evaluation sets.

Binary sets (bol.com) are scored as ``pos if p_pos >= p_neg``, so three-class models are
not penalised for a neutral class the gold standard does not have; three-class sets use
the model's label, and also report the binary rule on their clearly negative and positive
texts ("clear" accuracy: what a 1-2 vs 4-5 star comparison measures). Models that cannot
load here (hub models without a local copy) are reported as skipped with the reason, not
silently dropped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .datasets import EvalSet
from .head import macro_f1
from .scorer import Score


class _ScoresTexts(Protocol):
    model_id: str

    def score(self, texts: Sequence[str], progress: bool = False) -> list[Score]: ...


@dataclass(frozen=True)
class Result:
    model: str
    model_id: str
    dataset: str
    n: int
    accuracy: float
    macro_f1: float
    texts_per_s: float
    clear_accuracy: float  # gold neg/pos texts only, pos when p_pos >= p_neg (= accuracy on binary sets)
    n_classes: int


def predicted_labels(scores: Iterable[Score], classes: Sequence[str]) -> list[str]:
    if tuple(classes) == ("neg", "pos"):
        return ["pos" if s.p_pos >= s.p_neg else "neg" for s in scores]
    return [s.label for s in scores]


def evaluate(name: str, scorer: _ScoresTexts, eval_set: EvalSet, limit: int | None = None,
             progress: bool = False) -> Result:
    texts, gold = eval_set.texts[:limit], eval_set.labels[:limit]
    start = time.perf_counter()
    scores = scorer.score(texts, progress=progress)
    elapsed = time.perf_counter() - start
    pred = predicted_labels(scores, eval_set.classes)
    index = {c: i for i, c in enumerate(eval_set.classes)}
    g = np.array([index[x] for x in gold])
    p = np.array([index.get(x, -1) for x in pred])
    clear = [(x, s) for x, s in zip(gold, scores, strict=True) if x in ("neg", "pos")]
    binary = predicted_labels((s for _, s in clear), ("neg", "pos"))
    right = [x == b for (x, _), b in zip(clear, binary, strict=True)]
    clear_accuracy = float(np.mean(right)) if right else float("nan")
    return Result(name, scorer.model_id, eval_set.name, len(texts), float(np.mean(g == p)),
                  macro_f1(g, p, len(eval_set.classes)), len(texts) / max(elapsed, 1e-9), clear_accuracy,
                  len(eval_set.classes))


def run_eval(
    models: Sequence[str],
    sets: Sequence[EvalSet],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    lexicon: bool = True,
    limit: int | None = None,
    progress: bool = False,
) -> tuple[list[Result], dict[str, str]]:
    """Evaluate each model spec (``name``, or ``name:PRECISION`` with fp32 / bf16 / int8) on each set.

    Returns the results and ``{model: reason}`` for models that could not be loaded.
    """
    from .lexicon import LEXICON_ID, LexiconScorer
    from .models import PRECISIONS
    from .scorer import load_scorer

    results: list[Result] = []
    skipped: dict[str, str] = {}
    scorers: list[tuple[str, _ScoresTexts]] = []
    if lexicon:
        try:
            scorers.append((LEXICON_ID, LexiconScorer()))
        except ImportError as exc:
            skipped[LEXICON_ID] = str(exc)
    for spec in models:
        name, _, variant = spec.partition(":")
        if variant and variant not in PRECISIONS:
            raise ValueError(f"model variant must be one of {', '.join(PRECISIONS)}, got {spec!r}")
        try:
            scorers.append((spec, load_scorer(name, cache_dir=cache_dir, precision=variant or None)))
        except Exception as exc:  # noqa: BLE001 - any load failure means "cannot be evaluated here"
            skipped[spec] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    for spec, scorer in scorers:
        for eval_set in sets:
            results.append(evaluate(spec, scorer, eval_set, limit, progress))
    return results, skipped


def cpu_description() -> str:
    """The CPU a figure was measured on: model name, cores, native bf16 (and whether it was forced
    off for the measurement) and the int8 instructions the int8 path gets to use."""
    import platform

    name, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    name = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    native = [f for f in ("avx512_bf16", "amx_bf16") if f in flags]
    bf16 = f"yes ({', '.join(native)})" if native else "no"
    if native and os.environ.get("KLANTSTEM_BF16", "").strip() == "0":
        bf16 += ", forced off by KLANTSTEM_BF16=0"
    vnni = [f for f in ("avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    int8 = ", ".join(vnni) if vnni else ("AVX2 without VNNI" if "avx2" in flags else "no AVX2")
    return f"{name}, {os.cpu_count()} cores, native bf16: {bf16}, int8 dot products: {int8}"


def format_table(results: Sequence[Result], skipped: dict[str, str] | None = None) -> str:
    """Markdown table, one row per model, accuracy / macro-F1 per data set (and the clear accuracy
    of three-class sets)."""
    datasets = list(dict.fromkeys(r.dataset for r in results))
    models = list(dict.fromkeys(r.model for r in results))
    by_key = {(r.model, r.dataset): r for r in results}
    three_class = {r.dataset for r in results if r.n_classes == 3}
    columns = [(d, k) for d in datasets for k in (("acc", "F1", "clear") if d in three_class else ("acc", "F1"))]
    header = "| model | " + " | ".join(f"{d} {k}" for d, k in columns) + " |"
    lines = [header, "|" + "---|" * (1 + len(columns))]
    for m in models:
        cells = []
        for d, k in columns:
            r = by_key.get((m, d))
            value = None if r is None else {"acc": r.accuracy, "F1": r.macro_f1, "clear": r.clear_accuracy}[k]
            cells.append("-" if value is None else f"{value:.3f}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    if results:
        lines.append("")
        lines.append("n: " + ", ".join(f"{d}={next(r.n for r in results if r.dataset == d)}" for d in datasets))
        lines.append(f"CPU: {cpu_description()}")
    for m, reason in (skipped or {}).items():
        lines.append(f"skipped {m}: {reason}")
    return "\n".join(lines)
