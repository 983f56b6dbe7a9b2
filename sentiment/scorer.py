"""The public entry point: ``load_scorer(model) -> Scorer`` and ``Scorer.score(texts) -> list[Score]``.

One Scorer holds one loaded model. ``score`` de-duplicates texts, detects each text's
language, routes texts a language-restricted model was not trained for to the
multilingual default, cuts long texts into sentence chunks, runs length-sorted
dynamically padded batches and maps the model's labels onto neg/neu/pos.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .batching import run_batched
from .chunking import combine
from .head import load_head
from .labels import argmax_label
from .language import detect_languages
from .models import AutocastBf16, LoadedModel, bf16_native, load_e5_head, load_seq_cls, quantize_int8
from .registry import DEFAULT_MODEL, REGISTRY, RegistryEntry, resolve
from .segments import Segmenter


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
        prefix: str = "",
        languages: frozenset[str] | None = None,
        fallback: Callable[[], Scorer] | None = None,
        fallback_id: str = "",
        quantized: bool = False,
    ) -> None:
        self._net = loaded.net
        self._label_map = loaded.label_map
        self._segmenter = Segmenter(loaded.tokenizer, prefix, min(max_length, loaded.max_positions))
        pad = loaded.tokenizer.pad_token_id
        self._pad_id = 0 if pad is None else int(pad)
        self._batch_size = batch_size
        self._languages = languages
        self._fallback_factory = fallback
        self._fallback: Scorer | None = None
        self.model_id: str = loaded.model_id + ("+int8" if quantized else "")
        if languages is not None and fallback is not None:
            # Texts in other languages are scored by the fallback; the id records both.
            self.model_id += f"|other-languages:{fallback_id}"

    def score(self, texts: Sequence[str], progress: bool = False) -> list[Score]:
        """Score texts (identical texts are scored once); order matches the input."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        languages = detect_languages(unique)
        own = [i for i, lang in enumerate(languages) if self._handles(lang)]
        routed = [i for i, lang in enumerate(languages) if not self._handles(lang)]
        rows: dict[str, Score] = {}
        if routed:
            routed_scores = self._get_fallback().score([unique[i] for i in routed], progress=progress)
            rows.update((unique[i], s) for i, s in zip(routed, routed_scores, strict=True))
        values = self._score_values([unique[i] for i in own], progress)
        for i, row in zip(own, values, strict=True):
            rows[unique[i]] = _to_score(row, languages[i])
        return [rows[t] for t in texts]

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

    def _score_values(self, texts: list[str], progress: bool) -> list[np.ndarray]:
        """Rows ``[p_neg, p_neu, p_pos, score]`` per text, long texts chunked and combined."""
        segments = self._segmenter(texts)
        out: list[np.ndarray] = [_BLANK] * len(texts)
        if not segments.ids:
            return out
        probs = run_batched(segments.ids, self._net, pad_id=self._pad_id, batch_size=self._batch_size,
                            progress=progress)
        p3, score = self._label_map.collapse(probs.astype(np.float64))
        seg_values = np.column_stack([p3, score])
        lengths = np.array([len(s) for s in segments.ids])
        owner = np.array(segments.owner)
        for t in np.unique(owner):
            mine = owner == t
            out[int(t)] = combine(seg_values[mine], lengths[mine])
        return out


def _to_score(row: np.ndarray, language: str | None) -> Score:
    p = [float(v) for v in row[:3]]
    return Score(label=argmax_label(p), score=float(np.clip(row[3], -1.0, 1.0)),
                 p_neg=p[0], p_neu=p[1], p_pos=p[2], language=language)


def default_model_id() -> str:
    """Model id the default scorer records, known without loading the encoder."""
    entry = REGISTRY[DEFAULT_MODEL]
    assert entry.head is not None
    return f"{DEFAULT_MODEL}@{load_head(entry.head).sha8}" + ("+int8" if entry.quantize else "")


def load_scorer(
    model: str = DEFAULT_MODEL,
    *,
    batch_size: int = 32,
    max_length: int = 256,
    cache_dir: str | os.PathLike[str] | None = None,
    quantize: bool | None = None,
) -> Scorer:
    """Load a scorer for a registry name, a hub id or a local model folder.

    Precision: ``quantize=True`` forces int8 dynamic quantisation (recorded in the model
    id as ``+int8``); ``False`` forces exact fp32; ``None`` uses the registry's measured
    int8 default (int8 only where it kept accuracy within one point) and otherwise bf16
    autocast on CPUs with native bf16 (numerically within cosine 0.9999 of fp32, so the
    model id does not change). ``cache_dir`` is where built models live (default
    ``$KLANTSTEM_CACHE`` or ``~/.cache/klantstem``).
    """
    entry: RegistryEntry = resolve(model)
    loaded = load_e5_head(entry, cache_dir) if entry.kind == "e5-head" else load_seq_cls(entry)
    use_int8 = entry.quantize if quantize is None else quantize
    if use_int8:
        loaded.net = quantize_int8(loaded.net)
    elif quantize is None and bf16_native():
        loaded.net = AutocastBf16(loaded.net)
    fallback, fallback_id = None, ""
    if entry.languages is not None and entry.name != DEFAULT_MODEL:
        fallback_id = default_model_id()

        def fallback() -> Scorer:
            return load_scorer(DEFAULT_MODEL, batch_size=batch_size, max_length=max_length,
                               cache_dir=cache_dir)
    return Scorer(loaded, batch_size=batch_size, max_length=max_length, prefix=entry.prefix,
                  languages=entry.languages, fallback=fallback, fallback_id=fallback_id,
                  quantized=use_int8)
