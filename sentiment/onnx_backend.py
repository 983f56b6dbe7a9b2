"""The e5 encoder as an int8 ONNX Runtime model: the default path on CPUs without AMX.

Without native bf16 the torch fp32 encoder is the scorer's bottleneck. ONNX Runtime runs the
same graph with fused kernels, and int8 matrix multiplies (VNNI where the CPU has it, AVX2
otherwise) cut the encoder's time to about a third; on AVX512-BF16 CPUs without AMX it was
also faster than bf16 autocast (:func:`sentiment.models.choose_precision`). What is built:

1. ``E5Embedder`` (encoder, mean pooling, L2 normalisation; :mod:`sentiment.models`) is
   exported from the verified fp32 build with dynamic batch and sequence axes;
2. ``onnxruntime.quantization.quantize_dynamic`` turns every weight MatMul into int8
   (weights per output channel, activations with one scale per run; each text runs alone,
   see :class:`OnnxEmbedder`). The word embeddings (Gather), LayerNorms, softmax and the
   head stay float; the head is not in the graph at all (the scorer applies it to the
   embedding, so a retrained head needs no rebuild).
3. One outlier channel per FFN down-projection is split off and kept in float. That
   projection reads the GELU output, where one channel reaches 11-70 in 7 of the 12 layers
   while 99.9% of values stay below 3 (the same channel for any input: a property of the model).
   One int8 scale would spend its range on that channel and leave the ordinary values
   little resolution: quantising the projection as it is cost 0.7-1.5 points of bol.com
   accuracy and changed 4% of labels. Split, the embeddings stay within cosine ~0.999 of
   fp32, as with the whole projection in fp32, at the speed of all-int8 (docs/sentiment.md,
   Speed).

Like the encoder build (:mod:`sentiment.e5_build`) the result lives in the cache, never in
the repository, with a manifest of SHA-256 sums that is verified before every load; a
missing, edited or half-written file is rebuilt. The manifest also records the encoder
build it came from, so a rebuilt encoder rebuilds this model.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import e5_build

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

BUILD_NAME = "e5-small-nl-onnx-int8"
MODEL_FILE = "encoder-int8.onnx"
MANIFEST = "klantstem-build.json"
FORMAT_VERSION = 1
#: Appended to the model id of scores from this path: int8 scores differ slightly from fp32,
#: so switching between the paths re-scores instead of mixing the two.
MODEL_ID_SUFFIX = "+onnx-int8"
#: How the model is made; recorded in the manifest (another recipe means a rebuild).
RECIPE: dict[str, object] = {
    "export": "torch.onnx.export (TorchScript exporter), eager attention, opset 17, dynamic batch and sequence axes",
    "quantisation": "onnxruntime quantize_dynamic: MatMul weights int8 per channel, activations uint8 per run",
    "float": "word embeddings, LayerNorm, softmax; the widest input channel of each FFN down-projection",
    "head": "not in the graph: applied to the embedding by the scorer",
}
OPSET = 17
INPUTS = ("input_ids", "attention_mask")
#: Texts the outlier channels are measured on. They are the same for any input (even one
#: word finds them), so a few fixed texts make the build deterministic and data-independent.
CALIBRATION_TEXTS = (
    "De bezorging was snel en de klantenservice heel vriendelijk, echt een aanrader!",
    "Nooit meer: het pakket kwam kapot aan en niemand reageert op mijn mails.",
    "Mijn bestelling wordt morgen tussen 9 en 12 uur bezorgd.",
    "Service impeccable, je recommande vivement cette banque.",
    "The app keeps crashing since the last update.",
    "Prima",
)


class OnnxBuildError(RuntimeError):
    """The ONNX model could not be built, or a built one fails verification."""


def ensure_built(cache_dir: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
    """The verified int8 model folder in the cache, built (from the verified encoder) on first use."""
    return ensure_built_from(e5_build.ensure_built(cache_dir), force=force)


def ensure_built_from(encoder_dir: Path, *, force: bool = False) -> Path:
    """The int8 build of the (verified) encoder folder ``encoder_dir``, beside it in the cache.

    A build that fails verification is rebuilt once rather than loaded: a corrupt model
    would give plausible-looking but wrong scores.
    """
    out = encoder_dir.parent / BUILD_NAME
    if not force and out.exists():
        try:
            verify(out, encoder_dir)
            return out
        except OnnxBuildError:
            pass
    build(out, encoder_dir)
    verify(out, encoder_dir)
    return out


def build(out_dir: Path, encoder_dir: Path) -> Path:
    """Export and quantise the encoder at ``encoder_dir`` into ``out_dir`` (replaced atomically)."""
    from .models import load_e5_folder

    onnxruntime = _require_onnxruntime()
    with e5_build.staged_build(out_dir) as tmp:
        embedder, tokenizer = load_e5_folder(str(encoder_dir))
        fp32 = tmp / "encoder-fp32.onnx"
        _export(_export_copy(embedder, tokenizer), fp32)
        _quantise(fp32, tmp / MODEL_FILE)
        fp32.unlink()
        manifest = {
            "format_version": FORMAT_VERSION,
            "encoder_manifest_sha256": _encoder_stamp(encoder_dir),
            "recipe": RECIPE,
            "built_with": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__},
            "files": {MODEL_FILE: e5_build.sha256_file(tmp / MODEL_FILE)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return e5_build.publish(tmp, out_dir, lambda: verify(out_dir, encoder_dir), OnnxBuildError)


def verify(model_dir: Path, encoder_dir: Path) -> None:
    """Raise :class:`OnnxBuildError` unless ``model_dir`` is this recipe's build of ``encoder_dir``, intact."""
    try:
        manifest = json.loads((model_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxBuildError(f"{model_dir}: no readable build manifest ({exc})") from None
    if manifest.get("format_version") != FORMAT_VERSION or manifest.get("recipe") != RECIPE:
        raise OnnxBuildError(f"{model_dir}: built by another version; rebuild with `klantstem model build`")
    if manifest.get("encoder_manifest_sha256") != _encoder_stamp(encoder_dir):
        raise OnnxBuildError(f"{model_dir}: built from another encoder build; rebuild with `klantstem model build`")
    files = manifest.get("files") or {}
    if MODEL_FILE not in files:
        raise OnnxBuildError(f"{model_dir}: the build manifest lists no {MODEL_FILE}")
    for name, expected in files.items():
        path = model_dir / name
        if not path.is_file() or e5_build.sha256_file(path) != expected:
            raise OnnxBuildError(f"{path}: missing or checksum mismatch; rebuild with `klantstem model build --force`")


def _require_onnxruntime() -> ModuleType:
    try:
        import onnx  # noqa: F401 - the quantiser needs it
        import onnxruntime
    except ModuleNotFoundError as exc:
        raise OnnxBuildError(f"package {exc.name!r} is missing: pip install -e . (it pins onnx and onnxruntime)") from None
    return onnxruntime


def _encoder_stamp(encoder_dir: Path) -> str:
    """SHA-256 of the encoder's own manifest, which lists the SHA-256 of every encoder file."""
    return hashlib.sha256((encoder_dir / e5_build.MANIFEST).read_bytes()).hexdigest()


def _export(embedder: torch.nn.Module, path: Path) -> None:
    """Trace ``embedder`` to ONNX. The example batch has a padded row, so that the attention
    mask is traced as applied (a batch without padding could trace a graph that ignores it)."""
    ids = torch.tensor([[0, 5, 6, 7, 2], [0, 5, 6, 2, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            "embedding": {0: "batch"}}
    with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("ignore")  # exporter notes on traced shapes; the slow test checks the result
        torch.onnx.export(embedder, (ids, mask), str(path), dynamo=False, opset_version=OPSET,
                          input_names=list(INPUTS), output_names=["embedding"], dynamic_axes=axes,
                          do_constant_folding=True)


class _SplitChannel(torch.nn.Module):
    """``linear(x)`` computed as ``linear(x * keep) + x[..., c] * column``, ``keep`` being zero at c.

    Equal in float. After quantisation the int8 product no longer has channel ``c`` in its
    range; the channel's share is one float multiply-add per output.
    """

    def __init__(self, linear: torch.nn.Linear, channel: int) -> None:
        super().__init__()
        self.linear = linear
        self.channel = channel
        keep = torch.ones(linear.in_features)
        keep[channel] = 0.0
        self.register_buffer("keep", keep)
        self.register_buffer("column", linear.weight.detach()[:, channel].clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x * self.keep) + x.narrow(-1, self.channel, 1) * self.column


def _export_copy(embedder: torch.nn.Module, tokenizer: PreTrainedTokenizerBase) -> torch.nn.Module:
    """A copy of ``embedder`` as it is exported: eager attention, and the FFN down-projections'
    widest input channel split off.

    Eager attention exports as plain MatMul/Softmax; the SDPA export wraps every attention
    matrix in NaN guards (IsNaN/Where) that took 14% of the int8 model's time.
    """
    model = copy.deepcopy(embedder).eval()
    model.encoder.set_attn_implementation("eager")
    layers = model.encoder.encoder.layer
    widest: dict[int, torch.Tensor] = {}

    def record(index: int) -> Callable[[torch.nn.Module, tuple[torch.Tensor, ...]], None]:
        def hook(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            span = inputs[0].detach().abs().amax(dim=(0, 1))
            widest[index] = span if index not in widest else torch.maximum(widest[index], span)
        return hook

    handles = [layer.output.dense.register_forward_pre_hook(record(i)) for i, layer in enumerate(layers)]
    batch = tokenizer([f"query: {t}" for t in CALIBRATION_TEXTS], padding=True, return_tensors="pt")
    with torch.no_grad():
        model(batch["input_ids"], batch["attention_mask"])
    for handle in handles:
        handle.remove()
    for i, layer in enumerate(layers):
        layer.output.dense = _SplitChannel(layer.output.dense, int(widest[i].argmax()))
    return model


def _quantise(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quant_logger = logging.getLogger()
    level = quant_logger.level
    quant_logger.setLevel(logging.ERROR)  # the quantiser logs a pre-processing suggestion at WARNING
    try:
        quantize_dynamic(src, dst, op_types_to_quantize=["MatMul"], per_channel=True, reduce_range=False,
                         weight_type=QuantType.QInt8, extra_options={"MatMulConstBOnly": True})
    finally:
        quant_logger.setLevel(level)


class OnnxEmbedder(torch.nn.Module):
    """The int8 encoder behind the ``E5Embedder`` interface: (ids, mask) -> L2-normalised [b, 384].

    Texts run one per call (see :meth:`forward`), several at once: one worker thread per
    thread torch would use (physical cores, or ``OMP_NUM_THREADS``), each call on one core.
    A single text is too little work to split across cores (two threads made the scorer only
    ~15% faster), while separate texts on separate cores scale with them (1.9x on two).
    """

    def __init__(self, model_file: Path, workers: int | None = None) -> None:
        super().__init__()
        ort = _require_onnxruntime()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.workers = workers or torch.get_num_threads()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Each text runs on its own, without padding.

        int8 activation scales are computed per run: in a batch, one text's range sets
        every other text's resolution, so a text's score would depend on its neighbours
        (measured: 2% of labels changed when the same reviews were scored in another batch).
        One text per run makes its score depend on the text alone, and the encoder took 19%
        less time than in batches of 32 (no padding to compute).
        """
        ids = input_ids.numpy().astype(np.int64, copy=False)
        keep = attention_mask.numpy().astype(bool)
        texts = [ids[i, keep[i]][None, :] for i in range(ids.shape[0])]
        if self.workers == 1 or len(texts) == 1:
            return torch.from_numpy(np.concatenate([self._embed(t) for t in texts]))
        return torch.from_numpy(np.concatenate(list(self._threads().map(self._embed, texts))))

    def _threads(self) -> ThreadPoolExecutor:
        """The worker threads of this process: a forked child (a worker pool) inherits the pool
        but not its threads, and would wait on them forever."""
        if self._pool is None or self._pool_pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="klantstem-onnx")
            self._pool_pid = os.getpid()
        return self._pool

    def _embed(self, ids: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]


def load_onnx_embedder(encoder_dir: Path) -> OnnxEmbedder:
    """The int8 build of the verified encoder at ``encoder_dir`` (built on first use, checksums
    verified on every call)."""
    return _load_session(str(ensure_built_from(encoder_dir) / MODEL_FILE))


@lru_cache(maxsize=2)
def _load_session(model_file: str) -> OnnxEmbedder:
    """One session per process (loading takes seconds); ONNX Runtime sessions are thread-safe."""
    return OnnxEmbedder(Path(model_file))
