"""The linear neg/neu/pos head of the offline default, and how it is trained.

The encoder (multilingual-e5-small) is frozen; only a linear layer over its mean-pooled,
L2-normalised sentence embedding is trained. That keeps the shipped artefact tiny
(~5 KB, reviewable in the repo), training reproducible on a laptop CPU in about a
minute, and the model id tied to the head's checksum so retraining re-scores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

HEAD_FORMAT = 1


@dataclass(frozen=True)
class Head:
    """``logits = features @ weight.T + bias`` over LABELS order (neg, neu, pos)."""

    weight: np.ndarray  # [3, dim] float32
    bias: np.ndarray  # [3] float32
    sha8: str

    def linear(self) -> torch.nn.Linear:
        layer = torch.nn.Linear(self.weight.shape[1], self.weight.shape[0])
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(self.weight))
            layer.bias.copy_(torch.from_numpy(self.bias))
        return layer.eval()


def metadata_path(head_path: Path) -> Path:
    return head_path.with_suffix(".json")


def load_head(path: Path) -> Head:
    """Load a head; its id is the first 8 hex digits of the file's SHA-256."""
    if not path.is_file():
        raise FileNotFoundError(
            f"sentiment head {path} not found; train it with `klantstem model train-head`"
        )
    data = path.read_bytes()
    tensors = load_file(str(path))
    return Head(
        weight=tensors["weight"].astype(np.float32),
        bias=tensors["bias"].astype(np.float32),
        sha8=hashlib.sha256(data).hexdigest()[:8],
    )


def save_head(path: Path, weight: np.ndarray, bias: np.ndarray, metadata: dict[str, object]) -> Head:
    """Write the head (safetensors) and its training metadata (JSON beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(
        {"weight": np.ascontiguousarray(weight, dtype=np.float32),
         "bias": np.ascontiguousarray(bias, dtype=np.float32)},
        str(path),
        # One key only: safetensors orders metadata keys arbitrarily, and the file's bytes
        # must be reproducible because their checksum is the head's id.
        metadata={"format": "pt"},
    )
    head = load_head(path)
    path.chmod(0o644)
    metadata_path(path).write_text(
        json.dumps({"head_sha8": head.sha8, "head_format": HEAD_FORMAT, **metadata}, indent=2,
                   ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return head


def fit_logistic(
    features: np.ndarray, labels: np.ndarray, l2: float, n_classes: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced multinomial logistic regression, standardisation folded into the weights.

    Full-batch L-BFGS in float64 from zeros: deterministic, so the same data gives
    byte-identical heads. Features are standardised for a well-conditioned fit and the
    scaling is folded back, so the shipped head is one plain linear layer.
    """
    x = torch.from_numpy(features.astype(np.float64))
    y = torch.from_numpy(labels.astype(np.int64))
    mu, sigma = x.mean(0), x.std(0).clamp_min(1e-6)
    z = (x - mu) / sigma
    counts = torch.bincount(y, minlength=n_classes).double().clamp_min(1.0)
    class_weight = counts.sum() / (n_classes * counts)
    w = torch.zeros(n_classes, z.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=500, tolerance_grad=1e-9,
                            tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(z @ w.T + b, y, weight=class_weight)
        loss = loss + 0.5 * l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    w_raw = (w / sigma).detach()
    b_raw = (b - (w_raw * mu).sum(1)).detach()
    return w_raw.numpy(), b_raw.numpy()


def predict(features: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    return np.argmax(features @ weight.T + bias, axis=1)


def macro_f1(gold: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
    scores = []
    for c in range(n_classes):
        tp = np.sum((pred == c) & (gold == c))
        denom = np.sum(pred == c) + np.sum(gold == c)
        scores.append(0.0 if denom == 0 else 2.0 * tp / denom)
    return float(np.mean(scores))


def select_l2(
    features: np.ndarray, labels: np.ndarray, groups: Sequence[str], candidates: Sequence[float], folds: int = 5
) -> tuple[float, dict[str, float]]:
    """Pick the L2 strength by grouped cross-validation (macro-F1).

    Folds split by ``groups`` (the training sentences' topic) so that near-duplicate
    sentences about one topic never sit on both sides: otherwise the weakest
    regularisation always wins and the head overfits the templates.
    """
    unique = sorted(set(groups))
    rng = np.random.default_rng(0)
    fold_of_group = {g: i % folds for i, g in enumerate(rng.permutation(unique))}
    fold = np.array([fold_of_group[g] for g in groups])
    results: dict[str, float] = {}
    for l2 in candidates:
        preds = np.empty_like(labels)
        for k in range(folds):
            train, test = fold != k, fold == k
            if not test.any():
                continue
            w, b = fit_logistic(features[train], labels[train], l2)
            preds[test] = predict(features[test], w, b)
        results[f"{l2:g}"] = round(macro_f1(labels, preds, 3), 4)
    best = max(candidates, key=lambda c: (results[f"{c:g}"], c))
    return best, results
