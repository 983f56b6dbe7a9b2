"""Load a registry entry into a module that maps token ids to class probabilities (or, for the
e5 default, to sentence embeddings), and decide how it runs on this CPU (:func:`choose_precision`).

Everything goes through ``transformers`` with local files first: hub models come from
the local Hugging Face cache (downloaded only when the hub is reachable and
``HF_HUB_OFFLINE`` is not set), folders and the built e5 encoder from disk.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import torch
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedTokenizerBase,
)

from .e5_build import ensure_built
from .head import Head, load_head
from .labels import LabelMap
from .onnx_backend import MODEL_ID_SUFFIX, load_onnx_embedder
from .registry import RegistryEntry


class ModelUnavailable(RuntimeError):
    """The model cannot be loaded here (not cached and the hub is off-limits, or missing files)."""


class SeqClsNet(torch.nn.Module):
    """A transformers sequence classifier returning softmax probabilities."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return torch.softmax(logits.float(), dim=-1)


class E5Embedder(torch.nn.Module):
    """e5 encoder -> mean pooling -> L2 normalisation: the sentence embedding e5 was trained for."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        return torch.nn.functional.normalize(pooled, dim=-1)


@dataclass
class LoadedModel:
    """A model ready to score. ``net`` maps (ids, mask) to class probabilities, or, when
    ``head`` is set, to the sentence embedding that the scorer applies the head to (so the
    embedding can be returned too, and the int8 encoder never touches the head)."""

    net: torch.nn.Module
    tokenizer: PreTrainedTokenizerBase
    label_map: LabelMap
    model_id: str
    max_positions: int  # longest input (tokens incl. specials) the model accepts
    head: Head | None = None


def max_positions(config: Any, tokenizer: PreTrainedTokenizerBase) -> int:
    """Longest usable input; RoBERTa-style models reserve two positions for the padding offset."""
    limit = int(getattr(config, "max_position_embeddings", 512))
    if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
        limit -= 2
    tok_limit = tokenizer.model_max_length
    return min(limit, int(tok_limit)) if tok_limit and tok_limit < 1_000_000 else limit


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _from_pretrained(loader: Any, source: str, **kwargs: Any) -> Any:
    """Local files first; the network only for a hub id, and never when offline."""
    try:
        return loader.from_pretrained(source, local_files_only=True, **kwargs)
    except OSError as exc:
        if Path(source).exists() or _offline():
            raise ModelUnavailable(f"cannot load {source!r} from local files: {exc}") from None
    try:
        return loader.from_pretrained(source, **kwargs)
    except OSError as exc:
        raise ModelUnavailable(f"cannot load {source!r} (not cached, download failed): {exc}") from None


def _fingerprint(model: torch.nn.Module, source: str) -> str:
    """8 characters that change when the weights do: hub commit, or a hash of a folder's weight files."""
    if not Path(source).exists():
        commit = getattr(model.config, "_commit_hash", None)
        if not commit:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(source, "config.json")
            commit = Path(cached).parent.name if isinstance(cached, str) else "unpinned"
        return str(commit)[:8]
    folder = Path(source)
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")) + [folder / "config.json"]:
        if path.is_file():
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:8]


def load_seq_cls(entry: RegistryEntry) -> LoadedModel:
    tokenizer = _from_pretrained(AutoTokenizer, entry.source)
    model = _from_pretrained(AutoModelForSequenceClassification, entry.source).eval()
    label_map = LabelMap.from_id2label(model.config.id2label, entry.name, entry.label_overrides)
    base = entry.name
    if Path(entry.source).exists():
        base = "local:" + Path(entry.source).resolve().name
    return LoadedModel(SeqClsNet(model), tokenizer, label_map, f"{base}@{_fingerprint(model, entry.source)}",
                       max_positions(model.config, tokenizer))


def load_e5_embedder(cache_dir: str | os.PathLike[str] | None) -> tuple[E5Embedder, PreTrainedTokenizerBase]:
    """The built e5 encoder (built on first use, checksums verified on every call) with its tokenizer."""
    return load_e5_folder(str(ensure_built(cache_dir)))


@lru_cache(maxsize=2)
def load_e5_folder(folder: str) -> tuple[E5Embedder, PreTrainedTokenizerBase]:
    """Loaded once per process: a Prefect worker or test session asks for it many times.

    Callers never modify the returned modules (quantisation and autocast wrap copies).
    """
    encoder = AutoModel.from_pretrained(folder, local_files_only=True, add_pooling_layer=False).eval()
    return E5Embedder(encoder).eval(), _e5_tokenizer(folder)


@lru_cache(maxsize=2)
def _e5_tokenizer(folder: str) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(folder, local_files_only=True)


def load_e5_head(entry: RegistryEntry, cache_dir: str | os.PathLike[str] | None, *,
                 onnx_int8: bool = False) -> LoadedModel:
    """The e5 encoder (torch fp32, or the int8 ONNX Runtime build) and the entry's head."""
    if entry.head is None:
        raise ModelUnavailable(f"registry entry {entry.name!r} has no head file")
    head = load_head(entry.head)
    model_id = f"{entry.name}@{head.sha8}"
    net: torch.nn.Module
    if onnx_int8:  # the torch encoder is not loaded at all (its tokenizer and config are enough)
        folder = ensure_built(cache_dir)
        net, model_id = load_onnx_embedder(folder), model_id + MODEL_ID_SUFFIX
        tokenizer = _e5_tokenizer(str(folder))
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    else:
        net, tokenizer = load_e5_embedder(cache_dir)
        config = net.encoder.config
    # heads are trained in LABELS order: neg, neu, pos
    return LoadedModel(net, tokenizer, LabelMap((-1.0, 0.0, 1.0)), model_id, max_positions(config, tokenizer),
                       head=head)


class AutocastBf16(torch.nn.Module):
    """Run a net under CPU bfloat16 autocast (matmuls in bf16, norms/softmax in fp32).

    On CPUs with native bf16 (AMX / AVX512-BF16) this is ~2.3x faster than fp32 with
    embeddings within cosine 0.9999 of fp32; elsewhere it would be slower. It is the
    default only on AMX CPUs (:func:`choose_precision`).
    """

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.net(input_ids, attention_mask).float()


def bf16_native() -> bool:
    """True when this CPU computes bf16 matmuls natively (and KLANTSTEM_BF16 is not 0)."""
    if os.environ.get("KLANTSTEM_BF16", "").strip() == "0":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported()) and bool(torch.cpu._is_avx512_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def amx_native() -> bool:
    """True when this CPU has AMX tile units (Intel Xeon 4th generation and later)."""
    try:
        return bool(torch.cpu._is_amx_tile_supported())
    except (AttributeError, RuntimeError):
        return False


def quantize_int8(net: torch.nn.Module) -> torch.nn.Module:
    """torch int8 dynamic quantisation of every Linear layer (weights int8, activations per batch).

    The int8 path of transformers classifiers; the e5 encoder has its own (:mod:`sentiment.onnx_backend`).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)


Precision = Literal["fp32", "bf16", "int8"]
#: What ``load_scorer(precision=...)`` and ``$KLANTSTEM_PRECISION`` accept.
PRECISIONS = ("auto", "fp32", "bf16", "int8")


def choose_precision(requested: str | None, entry: RegistryEntry) -> Precision:
    """How ``entry`` runs on this CPU: the one place that decides it.

    ``requested`` (or ``$KLANTSTEM_PRECISION`` when None) may force ``fp32`` (exact),
    ``bf16`` (autocast) or ``int8``; ``auto`` (the default) picks (docs/sentiment.md, Speed):

    - int8 where the entry's int8 was measured to stay within one point of fp32
      (``entry.quantize``: the ONNX Runtime encoder of e5-small-nl). On AVX512-BF16 CPUs
      without AMX it was 1.6x faster than bf16 autocast, and 4x the pipeline without bf16;
    - except on CPUs with native bf16 and AMX (and ``KLANTSTEM_BF16`` not 0), which keep
      bf16 autocast: AMX multiplies bf16 tiles, and bf16 stays within cosine 0.9999 of
      fp32 (not measured here: no AMX machine was available);
    - bf16 autocast where native but int8 was not measured, and exact fp32 for the rest.
    """
    choice = requested if requested is not None else os.environ.get("KLANTSTEM_PRECISION", "").strip() or "auto"
    if choice not in PRECISIONS:
        source = "precision" if requested is not None else "KLANTSTEM_PRECISION"
        raise ValueError(f"{source} must be one of {', '.join(PRECISIONS)}; got {choice!r}")
    if choice != "auto":
        return choice  # type: ignore[return-value]
    native = bf16_native()
    if entry.quantize and not (native and amx_native()):
        return "int8"
    return "bf16" if native else "fp32"
