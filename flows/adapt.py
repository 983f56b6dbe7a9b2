"""``klantstem model adapt``: learn the brand's domain from its own star-rated reviews.

Wires the three layers: the warehouse gives the rated reviews and corrections, the sentiment
leaf embeds them and fits and compares the heads, the warehouse records the outcome and
which head scores from now on. An accepted head has a new model id, so the next run
re-scores every mention (and aspect sentence) once with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from klantstem.config import MonitorConfig
from warehouse.connection import connect
from warehouse.migrate import migrate
from warehouse.models import AdaptedModel, adaptation_examples, record_adapted

if TYPE_CHECKING:  # torch is imported only when a head is really adapted
    from sentiment.adapt import AdaptReport

log = logging.getLogger(__name__)

#: An adapted head replaces the base only when it is at least this much more accurate.
DEFAULT_MIN_GAIN = 0.005


@dataclass(frozen=True)
class AdaptOutcome:
    model_id: str
    base_model_id: str
    head_path: Path
    report: AdaptReport
    accepted: bool
    active: bool

    def describe(self) -> str:
        r = self.report
        change = f"{100 * r.gain:+.1f} points"
        lines = [
            f"base {self.base_model_id}: accuracy {r.base_accuracy:.3f}, "
            f"macro-F1 {r.base_macro_f1:.3f}",
            f"adapted {self.model_id}: accuracy {r.adapted_accuracy:.3f}, "
            f"macro-F1 {r.adapted_macro_f1:.3f} ({change})",
            f"measured on {r.n_clear:,} clear reviews (1-2 vs 4-5 stars), {r.folds}-fold cross-fitted: no review "
            f"was scored by a head that saw it; learned from {r.n_examples:,} texts "
            f"({r.n_neutral:,} neutral, {r.n_corrections:,} corrections)",
        ]
        if self.active:
            lines.append(f"now active: the next run re-scores every mention once with {self.model_id}")
        elif self.accepted:
            lines.append("better, but not activated (--no-activate)")
        else:
            lines.append("not better by the required margin: the base model stays")
        return "\n".join(lines)


def adapt_model(config: MonitorConfig, *, brand: str | None = None, min_gain: float = DEFAULT_MIN_GAIN,
                activate: bool = True, progress: bool = False) -> AdaptOutcome:
    """Fit, compare and (when better) activate a head adapted to the warehouse's rated reviews."""
    from sentiment.adapt import AdaptError, adapt_head, label_from_rating
    from sentiment.head import load_head, save_head
    from sentiment.registry import resolve
    from sentiment.scorer import load_scorer

    configured = config.sentiment.model
    entry = resolve(configured)
    if entry.kind != "e5-head" or entry.head is None:
        raise AdaptError(f"sentiment.model = {configured!r}: model adapt trains a head on the e5 encoder; "
                         "use e5-small-nl (the default)")
    base = load_head(entry.head)
    base_model_id = f"{entry.name}@{base.sha8}"
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    if not path.exists():
        raise AdaptError(f"no warehouse at {path} yet (run `klantstem run` first)")
    with connect(path, read_only=True, timeout_s=timeout) as con:
        examples = adaptation_examples(con, brand)
    labels = [e.corrected_label or label_from_rating(float(e.rating_normalised))  # type: ignore[arg-type]
              for e in examples]
    log.info("adapting %s to %d texts (%s)", base_model_id, len(examples), brand or "all brands")
    # The embeddings the adapted head will read when scoring: the same encoder path (int8 on CPUs
    # without AMX, several times faster than fp32), the same chunking.
    settings = config.sentiment
    scorer = load_scorer(configured, batch_size=settings.batch_size, max_length=settings.max_length)
    _, features = scorer.score_with_embeddings([e.text for e in examples], progress=progress)
    (weight, bias), report = adapt_head(
        features, labels, [e.author or e.mention_id for e in examples], (base.weight, base.bias),
        corrected=[e.corrected_label is not None for e in examples])
    name = f"{entry.name}-adapted"
    folder = path.parent / "models"
    staged = folder / f"{name}.staged.safetensors"
    head = save_head(staged, weight, bias, {
        "model": name, "base_model_id": base_model_id, "brand": brand, "command": "klantstem model adapt",
        "features": f"mean-pooled last hidden state of 'query: ' + text, L2-normalised ({scorer.precision} encoder)",
        **report.as_dict(),
    })
    final = folder / f"{name}-{head.sha8}.safetensors"
    staged.replace(final)
    staged.with_suffix(".json").replace(final.with_suffix(".json"))
    accepted = report.gain >= min_gain
    adapted = AdaptedModel(f"{name}@{head.sha8}", base_model_id, final, report.n_examples, report.n_corrections,
                           report.base_accuracy, report.adapted_accuracy, report.base_macro_f1,
                           report.adapted_macro_f1, accepted)
    with connect(path, timeout_s=timeout) as con:
        migrate(con)
        record_adapted(con, adapted, activate=accepted and activate)
    return AdaptOutcome(adapted.model_id, base_model_id, final, report, accepted, accepted and activate)
