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
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

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
    features: np.ndarray, labels: np.ndarray, l2: float, n_classes: int = 3,
    sample_weight: np.ndarray | None = None,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    standardise: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced multinomial logistic regression, centring/scaling folded into the weights.

    Full-batch L-BFGS (SciPy) in float64 from a fixed start: deterministic, so the same data
    gives byte-identical heads on the same machine. Features are centred (and, with
    ``standardise``, scaled to unit variance) for a well-conditioned fit and the transform is
    folded back, so the head is one plain linear layer.
    ``standardise`` decides what the L2 penalty measures. Standardised, every embedding
    dimension costs the same per unit of its own spread, so the fit may lean on directions in
    which the training texts barely vary; ``standardise=False`` penalises the weights on the
    embedding itself (isotropic), which keeps the head on the directions the encoder spreads
    texts along and converges in fewer steps. ``model adapt`` fits isotropically
    (:mod:`sentiment.adapt`); the shipped head is standardised (the isotropic head measured no
    better on real texts: docs/sentiment.md, Evaluation).
    ``sample_weight`` lets some rows count more (a reputation manager's corrections, the
    brand's own reviews in ``model adapt``); classes stay balanced by their summed weight.
    ``prior`` (a head's weight and bias) pulls the weights towards that head instead of
    towards zero: adapting the shipped head to a brand's reviews keeps what it knows where
    the brand's data says nothing (e.g. the neutral class, which star ratings rarely show).
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int64)
    n, dim = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    mu = x.mean(0)
    sigma = x.std(0, ddof=1).clip(min=1e-6) if standardise and n > 1 else np.ones(dim)
    z = (x - mu) / sigma
    counts = np.bincount(y, weights=sw, minlength=n_classes).clip(min=1e-9)
    row_weight = sw * (counts.sum() / (n_classes * counts))[y]
    row_weight /= row_weight.mean()
    onehot = np.eye(n_classes)[y]
    if prior is None:
        w0, b0 = np.zeros((n_classes, dim)), np.zeros(n_classes)
    else:  # the prior head in the standardised space of this fit
        w0 = np.asarray(prior[0], dtype=np.float64) * sigma
        b0 = np.asarray(prior[1], dtype=np.float64) + np.asarray(prior[0], dtype=np.float64) @ mu

    def loss_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: n_classes * dim].reshape(n_classes, dim), theta[n_classes * dim:]
        logits = z @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = -float(np.mean(row_weight * (onehot * logp).sum(1))) + 0.5 * l2 * float(((w - w0) ** 2).sum())
        g = (np.exp(logp) - onehot) * (row_weight / n)[:, None]
        return loss, np.concatenate([(g.T @ z + l2 * (w - w0)).ravel(), g.sum(0)])

    # One BLAS thread: the products are small (rows x 384 x 3), so more threads gain nothing, and on
    # a busy CPU their waiting made each fit 25-40x slower (docs/sentiment.md, model adapt).
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(loss_and_grad, np.concatenate([w0.ravel(), b0]), jac=True, method="L-BFGS-B",
                          options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-8})
    w = result.x[: n_classes * dim].reshape(n_classes, dim)
    b = result.x[n_classes * dim:]
    w_raw = w / sigma
    return w_raw, b - w_raw @ mu


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
