"""The public entry point: ``load_scorer(model) -> Scorer`` and ``Scorer.score(texts) -> list[Score]``.

One Scorer holds one loaded model. ``score`` de-duplicates texts, detects each text's
language, routes texts a language-restricted model was not trained for to the
multilingual default, cuts long texts into sentence chunks, runs length-sorted
dynamically padded batches and maps the model's labels onto neg/neu/pos.
``score_with_embeddings`` also returns the e5 sentence embedding the scores came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .batching import run_batched
from .chunking import combine
from .head import Head, load_head
from .labels import argmax_label
from .language import detect_languages
from .models import (
    AutocastBf16,
    LoadedModel,
    Precision,
    choose_precision,
    load_e5_head,
    load_seq_cls,
    quantize_int8,
)
from .onnx_backend import MODEL_ID_SUFFIX
from .registry import DEFAULT_MODEL, REGISTRY, RegistryEntry, resolve
from .segments import Segmenter, Segments


@dataclass(frozen=True)
class Score:
    """One text's sentiment; ``score`` is the probability-weighted polarity in [-1, 1]."""

    label: str  # "neg" | "neu" | "pos"
    score: float
    p_neg: float
    p_neu: float
    p_pos: float
    language: str | None  # ISO 639-1 as detected, None when too short/uncertain


# Blank texts carry no sentiment; they are neutral without asking the model.
_BLANK = np.array([0.0, 1.0, 0.0, 0.0])


class Scorer:
    """Scores texts with one model; see :func:`load_scorer`."""

    def __init__(
        self,
        loaded: LoadedModel,
        *,
        batch_size: int,
        max_length: int,
        precision: Precision,
        prefix: str = "",
        languages: frozenset[str] | None = None,
        fallback: Callable[[], Scorer] | None = None,
        fallback_id: str = "",
        id_suffix: str = "",
    ) -> None:
        self._net = loaded.net
        self._head: Head | None = loaded.head
        self._label_map = loaded.label_map
        self._segmenter = Segmenter(loaded.tokenizer, prefix, min(max_length, loaded.max_positions))
        pad = loaded.tokenizer.pad_token_id
        self._pad_id = 0 if pad is None else int(pad)
        self._batch_size = batch_size
        self._languages = languages
        self._fallback_factory = fallback
        self._fallback: Scorer | None = None
        #: How the model runs here (fp32 / bf16 / int8), as :func:`choose_precision` decided.
        self.precision = precision
        self.model_id: str = loaded.model_id + id_suffix
        if languages is not None and fallback is not None:
            # Texts in other languages are scored by the fallback; the id records both.
            self.model_id += f"|other-languages:{fallback_id}"

    @property
    def has_embeddings(self) -> bool:
        """Whether :meth:`score_with_embeddings` works: only models with an e5 encoder have one."""
        return self._head is not None

    def score(self, texts: Sequence[str], progress: bool = False) -> list[Score]:
        """Score texts (identical texts are scored once); order matches the input."""
        return self._score(texts, progress, embeddings=False)[0]

    def score_with_embeddings(self, texts: Sequence[str], progress: bool = False) -> tuple[list[Score], np.ndarray]:
        """Scores and the sentence embedding behind each, ``[len(texts), dim]`` float32.

        The embedding is the one the head reads (mean-pooled, L2-normalised e5 output of
        ``'query: ' + text``), so storing it costs no extra model work. A text cut into chunks
        gets the normalised sum of its chunks' embeddings (as head training embeds it); a
        blank text gets zeros. Only models with an e5 encoder have one.
        """
        if self._head is None:
            raise ValueError(f"{self.model_id}: this model has no sentence embedding (only e5-based models do)")
        scores, vectors = self._score(texts, progress, embeddings=True)
        assert vectors is not None
        return scores, vectors

    def _score(self, texts: Sequence[str], progress: bool, embeddings: bool) -> tuple[list[Score], np.ndarray | None]:
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        languages = detect_languages(unique)
        own = [i for i, lang in enumerate(languages) if self._handles(lang)]
        routed = [i for i, lang in enumerate(languages) if not self._handles(lang)]
        rows: dict[str, Score] = {}
        vectors: dict[str, np.ndarray] = {}
        if routed:
            routed_texts = [unique[i] for i in routed]
            if embeddings:
                routed_scores, routed_vectors = self._get_fallback().score_with_embeddings(routed_texts, progress)
                vectors.update(zip(routed_texts, routed_vectors, strict=True))
            else:
                routed_scores = self._get_fallback().score(routed_texts, progress=progress)
            rows.update(zip(routed_texts, routed_scores, strict=True))
        own_texts = [unique[i] for i in own]
        values, own_vectors = self._score_values(own_texts, progress, embeddings)
        for i, row in zip(own, values, strict=True):
            rows[unique[i]] = _to_score(row, languages[i])
        if own_vectors is not None:
            vectors.update(zip(own_texts, own_vectors, strict=True))
        scores = [rows[t] for t in texts]
        if not embeddings:
            return scores, None
        assert self._head is not None
        dim = self._head.weight.shape[1]
        return scores, np.array([vectors[t] for t in texts], dtype=np.float32).reshape(len(texts), dim)

    def _handles(self, language: str | None) -> bool:
        return (
            language is None or self._languages is None or language in self._languages
            or self._fallback_factory is None
        )

    def _get_fallback(self) -> Scorer:
        if self._fallback is None:
            assert self._fallback_factory is not None
            self._fallback = self._fallback_factory()
        return self._fallback

    def _score_values(
        self, texts: list[str], progress: bool, embeddings: bool
    ) -> tuple[list[np.ndarray], np.ndarray | None]:
        """Rows ``[p_neg, p_neu, p_pos, score]`` per text, long texts chunked and combined;
        with ``embeddings``, also each text's sentence embedding."""
        segments = self._segmenter(texts)
        out: list[np.ndarray] = [_BLANK] * len(texts)
        vectors = np.zeros((len(texts), self._head.weight.shape[1])) if embeddings and self._head is not None else None
        if not segments.ids:
            return out, vectors
        seg_values, seg_embeddings = self.segment_values(segments, progress)
        owner = np.array(segments.owner)
        if vectors is not None and seg_embeddings is not None:
            np.add.at(vectors, owner, seg_embeddings)
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors /= np.where(norms > 0, norms, 1.0)
        lengths = np.array([len(s) for s in segments.ids])
        for t in np.unique(owner):
            mine = owner == t
            out[int(t)] = combine(seg_values[mine], lengths[mine])
        return out, vectors

    def segment_values(self, segments: Segments, progress: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Per segment: rows ``[p_neg, p_neu, p_pos, score]`` before chunks are combined, and
        the sentence embeddings for e5 models (None for others)."""
        values = run_batched(segments.ids, self._net, pad_id=self._pad_id, batch_size=self._batch_size,
                             progress=progress)
        seg_embeddings = None if self._head is None else values
        probs = values if self._head is None else _apply_head(self._head, values)
        p3, score = self._label_map.collapse(probs.astype(np.float64))
        return np.column_stack([p3, score]), seg_embeddings


def _apply_head(head: Head, embeddings: np.ndarray) -> np.ndarray:
    """Softmax of the linear head over sentence embeddings, in float64 whatever the encoder's precision."""
    logits = embeddings.astype(np.float64) @ head.weight.astype(np.float64).T + head.bias.astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _to_score(row: np.ndarray, language: str | None) -> Score:
    p = [float(v) for v in row[:3]]
    return Score(label=argmax_label(p), score=float(np.clip(row[3], -1.0, 1.0)),
                 p_neg=p[0], p_neu=p[1], p_pos=p[2], language=language)


def default_model_id(precision: str | None = None) -> str:
    """Model id the default scorer records with ``precision``, known without loading the encoder."""
    entry = REGISTRY[DEFAULT_MODEL]
    assert entry.head is not None
    suffix = MODEL_ID_SUFFIX if choose_precision(precision, entry) == "int8" else ""
    return f"{DEFAULT_MODEL}@{load_head(entry.head).sha8}{suffix}"


def load_scorer(
    model: str = DEFAULT_MODEL,
    *,
    batch_size: int = 32,
    max_length: int = 256,
    cache_dir: str | os.PathLike[str] | None = None,
    precision: str | None = None,
) -> Scorer:
    """Load a scorer for a registry name, a hub id, a local model folder or a head file.

    ``precision`` is ``"auto"``, ``"fp32"``, ``"bf16"`` or ``"int8"`` (default:
    ``$KLANTSTEM_PRECISION``, else ``"auto"``); :func:`sentiment.models.choose_precision`
    says what ``auto`` picks on this CPU. int8 is the ONNX Runtime encoder for e5 models
    (model id suffix ``+onnx-int8``) and torch dynamic quantisation for transformers
    classifiers (``+int8``); bf16 keeps the fp32 model id (within cosine 0.9999 of fp32).
    ``cache_dir`` is where built models live (default ``$KLANTSTEM_CACHE`` or
    ``~/.cache/klantstem``).
    """
    entry: RegistryEntry = resolve(model)
    chosen = choose_precision(precision, entry)
    suffix = ""
    if entry.kind == "e5-head":
        loaded = load_e5_head(entry, cache_dir, onnx_int8=chosen == "int8")
    else:
        loaded = load_seq_cls(entry)
        if chosen == "int8":
            loaded.net, suffix = quantize_int8(loaded.net), "+int8"
    if chosen == "bf16":
        loaded.net = AutocastBf16(loaded.net)
    fallback, fallback_id = None, ""
    if entry.languages is not None and entry.name != DEFAULT_MODEL:
        fallback_id = default_model_id(precision)

        def fallback() -> Scorer:
            return load_scorer(DEFAULT_MODEL, batch_size=batch_size, max_length=max_length,
                               cache_dir=cache_dir, precision=precision)
    return Scorer(loaded, batch_size=batch_size, max_length=max_length, precision=chosen, prefix=entry.prefix,
                  languages=entry.languages, fallback=fallback, fallback_id=fallback_id, id_suffix=suffix)
