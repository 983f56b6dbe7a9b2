"""``klantstem model train-head``: fit the e5-small-nl head on the project's own sentences.

Reproducible by construction: fixed training file (its SHA-256 is recorded), fixed
encoder (pinned checksums), deterministic full-batch fit, regularisation chosen by
grouped cross-validation. Never trains on ../shared/data, which is evaluation-only.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .batching import run_batched
from .datasets import TRAIN_DIR, load_training, training_files
from .e5_build import WEIGHTS_SHA256, sha256_file
from .head import Head, fit_logistic, macro_f1, predict, save_head, select_l2
from .labels import LABELS
from .locations import cache_dir as default_cache_dir
from .models import load_e5_embedder
from .registry import DEFAULT_L2, DEFAULT_MODEL, REGISTRY
from .segments import Segmenter

L2_CANDIDATES = (1e-2, 3e-2, 1e-1, 3e-1, 1.0, 3.0, 10.0)
FEATURES_FORMAT = 1  # bump when embed_texts changes what it computes


def embed_texts(
    texts: list[str], cache_dir: str | os.PathLike[str] | None, *, batch_size: int = 32,
    max_length: int = 256, progress: bool = False,
) -> np.ndarray:
    """e5 sentence embeddings (fp32 encoder) built exactly as the scorer builds its inputs."""
    embedder, tokenizer = load_e5_embedder(cache_dir)
    segments = Segmenter(tokenizer, REGISTRY[DEFAULT_MODEL].prefix, max_length)(texts)
    pad = tokenizer.pad_token_id
    vectors = run_batched(segments.ids, embedder, pad_id=0 if pad is None else int(pad),
                          batch_size=batch_size, progress=progress, desc="embedding")
    owner = np.array(segments.owner)
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float64)
    np.add.at(out, owner, vectors)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def training_features(
    train: Path, texts: list[str], cache_dir: str | os.PathLike[str] | None, progress: bool = False
) -> np.ndarray:
    """Embeddings of the training texts, cached per encoder and training files (embedding
    11,000 texts takes minutes on 2 cores; the fit itself seconds)."""
    key = hashlib.sha256("\0".join([WEIGHTS_SHA256, str(FEATURES_FORMAT), *(
        sha256_file(f) for f in training_files(train))]).encode()).hexdigest()[:16]
    path = Path(cache_dir or default_cache_dir()) / "features" / f"train-{key}.npy"
    if path.is_file():
        cached = np.load(path)
        if cached.shape[0] == len(texts):
            return cached
    features = embed_texts(texts, cache_dir, progress=progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".staged.npy")
    np.save(staged, features)
    staged.replace(path)
    return features


def train_head(
    train: Path = TRAIN_DIR,
    out: Path | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    l2: float | None = DEFAULT_L2,
    l2_candidates: Sequence[float] = L2_CANDIDATES,
    progress: bool = False,
) -> tuple[Head, dict[str, object]]:
    """Train and save the head; returns it with the metadata written beside it.

    ``l2=None`` chooses the strength by cross-validation over ``l2_candidates`` instead.
    """
    out = out or REGISTRY[DEFAULT_MODEL].head
    assert out is not None
    examples = load_training(train)
    if len({e.label for e in examples}) < len(LABELS):
        raise ValueError(f"{train}: need examples of every label {LABELS}")
    features = training_features(train, [e.text for e in examples], cache_dir, progress=progress)
    labels = np.array([LABELS.index(e.label) for e in examples])
    cv: dict[str, float] = {}
    if l2 is None:
        # Folds hold out whole domains (banking, travel, ...), so near-duplicates about one
        # subject never straddle a fold.
        groups = [e.domain or e.topic or f"row{i}" for i, e in enumerate(examples)]
        l2, cv = select_l2(features, labels, groups, l2_candidates)
    weight, bias = fit_logistic(features, labels, l2)
    train_f1 = macro_f1(labels, predict(features, weight, bias), len(LABELS))
    metadata: dict[str, object] = {
        "model": DEFAULT_MODEL,
        "labels": list(LABELS),
        "features": "mean-pooled last hidden state of 'query: ' + text, L2-normalised (fp32 encoder)",
        "encoder_weights_sha256": WEIGHTS_SHA256,
        "train_files": {f.name: sha256_file(f) for f in training_files(train)},
        "n_train": len(examples),
        "label_counts": dict(sorted(Counter(e.label for e in examples).items())),
        "kind_counts": dict(sorted(Counter(e.kind for e in examples).items())),
        "locale_counts": dict(sorted(Counter(e.locale or "?" for e in examples).items())),
        "domain_counts": dict(sorted(Counter(e.domain or "?" for e in examples).items())),
        "l2": l2,
        "l2_chosen_by": "cross-validation over held-out domains" if cv else "DEFAULT_L2 (calibrated, sentiment/registry.py)",
        **({"cv_macro_f1_by_l2": cv} if cv else {}),
        "train_macro_f1": round(train_f1, 4),
        "command": "klantstem model train-head",
    }
    return save_head(out, weight, bias, metadata), metadata
