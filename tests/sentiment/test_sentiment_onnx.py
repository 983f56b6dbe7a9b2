"""The int8 ONNX Runtime encoder: how it is built, verified and rebuilt, and that it agrees with fp32.

The build recipe runs on a tiny BERT in a second (fast tests); the real e5-small-nl build is
checked against the exact torch fp32 encoder in the slow tests (~30 s to build).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from sentiment import load_scorer, onnx_backend
from sentiment.batching import run_batched
from sentiment.e5_build import MANIFEST as ENCODER_MANIFEST
from sentiment.models import E5Embedder, load_e5_folder
from sentiment.registry import DEFAULT_MODEL
from tests.sentiment_helpers import build_tiny_model

DUTCH = [
    "Supersnelle levering en heel vriendelijke klantenservice, echt een aanrader!",
    "Pakket kwam beschadigd aan en niemand reageert op mijn mails. Nooit meer.",
    "Mijn bestelling wordt morgen tussen 9 en 12 uur bezorgd.",
    "De app crasht elke keer als ik wil inloggen, waardeloos.",
    "Prima hotel, schone kamers en een goed ontbijt.",
    "Al drie weken wachten op mijn terugbetaling, schandalig.",
    "Top, alles netjes geregeld door de medewerker aan de balie.",
    "Wat zijn de openingstijden op zondag?",
]


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT saved like the encoder build: a transformers folder with a build manifest."""
    folder = build_tiny_model(tmp_path_factory.mktemp("tiny-encoder") / "encoder-build")
    (folder / ENCODER_MANIFEST).write_text(json.dumps({"files": "tiny"}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def tiny_onnx(tiny_encoder: Path) -> Path:
    return onnx_backend.ensure_built_from(tiny_encoder)


def test_split_channel_is_the_same_linear_layer_in_float():
    torch.manual_seed(0)
    linear = torch.nn.Linear(16, 4)
    x = torch.randn(2, 3, 16)
    x[..., 5] *= 50.0  # an outlier channel, as in e5's FFN down-projections
    split = onnx_backend._SplitChannel(linear, channel=5)
    torch.testing.assert_close(split(x), linear(x), rtol=1e-5, atol=1e-5)


def test_the_widest_channel_of_each_ffn_down_projection_is_split_off(tiny_encoder):
    embedder, tokenizer = load_e5_folder(str(tiny_encoder))
    split = onnx_backend._export_copy(embedder, tokenizer)
    layers = split.encoder.encoder.layer
    assert all(isinstance(layer.output.dense, onnx_backend._SplitChannel) for layer in layers)
    assert not any(isinstance(m, onnx_backend._SplitChannel) for m in embedder.modules()), "the cached model is untouched"
    batch = tokenizer(["de levering was snel", "het pakket is kapot en slecht"], padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(split(batch["input_ids"], batch["attention_mask"]),
                                   embedder(batch["input_ids"], batch["attention_mask"]), rtol=1e-5, atol=1e-5)


def test_the_build_is_an_int8_graph_with_a_verified_manifest(tiny_encoder, tiny_onnx):
    import onnx

    assert tiny_onnx == tiny_encoder.parent / onnx_backend.BUILD_NAME
    manifest = json.loads((tiny_onnx / onnx_backend.MANIFEST).read_text())
    assert manifest["recipe"] == onnx_backend.RECIPE and set(manifest["files"]) == {onnx_backend.MODEL_FILE}
    assert sorted(p.name for p in tiny_onnx.iterdir()) == sorted([onnx_backend.MANIFEST, onnx_backend.MODEL_FILE])
    graph = onnx.load(str(tiny_onnx / onnx_backend.MODEL_FILE)).graph
    ops = [node.op_type for node in graph.node]
    layers = 2
    assert ops.count("MatMulInteger") == 6 * layers, "Q, K, V, attention output, FFN up and down in int8"
    assert ops.count("Gather") >= 1 and "LayerNormalization" in ops, "embeddings and LayerNorm stay float"
    assert "IsNaN" not in ops, "eager attention: no NaN guards around every attention matrix"
    assert [i.name for i in graph.input] == ["input_ids", "attention_mask"]
    onnx_backend.verify(tiny_onnx, tiny_encoder)


def test_int8_embeddings_follow_the_float_encoder_on_any_batch_shape(tiny_encoder, tiny_onnx):
    embedder, tokenizer = load_e5_folder(str(tiny_encoder))
    int8 = onnx_backend.load_onnx_embedder(tiny_encoder)
    texts = ["top", "de bestelling was super, echt top!", "het pakket kwam kapot aan, slecht. " * 4,
             "ik ben blij met de app", "nooit meer"]
    ids = [tokenizer(t)["input_ids"] for t in texts]
    exact = run_batched(ids, embedder, pad_id=tokenizer.pad_token_id, batch_size=2)
    fast = run_batched(ids, int8, pad_id=tokenizer.pad_token_id, batch_size=2)
    assert fast.shape == exact.shape == (5, 32)
    assert np.all(_cosines(fast, exact) > 0.99)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, rtol=1e-4)


def test_a_texts_int8_embedding_does_not_depend_on_its_batch(tiny_encoder, tiny_onnx):
    """int8 activation scales are set per run: a text must never share one with its neighbours."""
    _, tokenizer = load_e5_folder(str(tiny_encoder))
    int8 = onnx_backend.load_onnx_embedder(tiny_encoder)
    short = tokenizer("de levering was snel")["input_ids"]
    neighbours = [tokenizer("het pakket is kapot en slecht, nooit meer, waardeloos! " * 5)["input_ids"],
                  tokenizer("top")["input_ids"]]
    alone = run_batched([short], int8, pad_id=tokenizer.pad_token_id, batch_size=1)
    batched = run_batched([short, *neighbours], int8, pad_id=tokenizer.pad_token_id, batch_size=3)
    np.testing.assert_array_equal(alone[0], batched[0])


def test_a_corrupt_or_stale_build_is_refused_and_rebuilt(tiny_encoder, tiny_onnx):
    model = tiny_onnx / onnx_backend.MODEL_FILE
    good = model.read_bytes()
    model.write_bytes(good[:-10] + b"corrupted!")
    with pytest.raises(onnx_backend.OnnxBuildError, match="checksum mismatch"):
        onnx_backend.verify(tiny_onnx, tiny_encoder)
    assert onnx_backend.ensure_built_from(tiny_encoder) == tiny_onnx
    onnx_backend.verify(tiny_onnx, tiny_encoder)

    manifest = tiny_onnx / onnx_backend.MANIFEST
    stale = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**stale, "encoder_manifest_sha256": "0" * 64}))
    with pytest.raises(onnx_backend.OnnxBuildError, match="another encoder build"):
        onnx_backend.verify(tiny_onnx, tiny_encoder)
    manifest.write_text(json.dumps({**stale, "recipe": {"quantisation": "something else"}}))
    with pytest.raises(onnx_backend.OnnxBuildError, match="another version"):
        onnx_backend.verify(tiny_onnx, tiny_encoder)
    manifest.unlink()
    with pytest.raises(onnx_backend.OnnxBuildError, match="no readable build manifest"):
        onnx_backend.verify(tiny_onnx, tiny_encoder)
    onnx_backend.ensure_built_from(tiny_encoder)
    onnx_backend.verify(tiny_onnx, tiny_encoder)


# --- the real e5-small-nl build ------------------------------------------------------------


@pytest.fixture(scope="module")
def e5_int8():
    return load_scorer(DEFAULT_MODEL, precision="int8")


@pytest.fixture(scope="module")
def e5_fp32():
    return load_scorer(DEFAULT_MODEL, precision="fp32")


@pytest.mark.slow
def test_e5_int8_embeddings_match_torch_fp32(e5_int8, e5_fp32):
    texts = DUTCH + ["Service impeccable, je recommande.", "Alles loopt vlot.",
                     "Ik bestelde een laptop voor mijn werk. " * 40 + "Het scherm was kapot en niemand hielp me."]
    int8_scores, int8_vectors = e5_int8.score_with_embeddings(texts)
    fp32_scores, fp32_vectors = e5_fp32.score_with_embeddings(texts)
    assert int8_vectors.shape == fp32_vectors.shape == (len(texts), 384)
    assert np.all(_cosines(int8_vectors, fp32_vectors) > 0.99)
    assert [s.label for s in int8_scores] == [s.label for s in fp32_scores]
    assert [s.label for s in int8_scores[:4]] == ["pos", "neg", "neu", "neg"]
    score_gap = np.abs([a.score - b.score for a, b in zip(int8_scores, fp32_scores, strict=True)])
    assert score_gap.mean() < 0.05


@pytest.mark.slow
def test_e5_int8_scores_are_the_same_whatever_else_is_scored(e5_int8):
    (alone,), alone_vector = e5_int8.score_with_embeddings(DUTCH[:1])
    among, among_vectors = e5_int8.score_with_embeddings(DUTCH + ["Ik bestelde een laptop voor mijn werk. " * 30])
    np.testing.assert_array_equal(alone_vector[0], among_vectors[0])
    assert alone.label == among[0].label
    assert (alone.score, alone.p_neg, alone.p_pos) == pytest.approx((among[0].score, among[0].p_neg, among[0].p_pos),
                                                                    rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_e5_int8_model_id_records_the_path(e5_int8, e5_fp32):
    assert e5_int8.precision == "int8" and e5_fp32.precision == "fp32"
    assert e5_int8.model_id == e5_fp32.model_id + onnx_backend.MODEL_ID_SUFFIX
    assert isinstance(e5_int8._net, onnx_backend.OnnxEmbedder) and isinstance(e5_fp32._net, E5Embedder)


@pytest.mark.slow
def test_without_native_bf16_the_default_scorer_is_int8(e5_int8, monkeypatch):
    monkeypatch.delenv("KLANTSTEM_PRECISION", raising=False)
    monkeypatch.setenv("KLANTSTEM_BF16", "0")
    default = load_scorer()
    assert default.precision == "int8" and default.model_id == e5_int8.model_id


@pytest.mark.slow
def test_a_corrupt_e5_onnx_file_in_the_cache_is_detected_and_rebuilt(e5_int8):
    from sentiment.e5_build import ensure_built

    encoder = ensure_built()
    folder = onnx_backend.ensure_built_from(encoder)
    model = folder / onnx_backend.MODEL_FILE
    expected = json.loads((folder / onnx_backend.MANIFEST).read_text())["files"][onnx_backend.MODEL_FILE]
    with open(model, "r+b") as fh:
        fh.seek(model.stat().st_size // 2)
        fh.write(b"\x00" * 64)
    with pytest.raises(onnx_backend.OnnxBuildError, match="checksum mismatch"):
        onnx_backend.verify(folder, encoder)
    onnx_backend._load_session.cache_clear()  # load the rebuilt file, not this process's session
    rebuilt = load_scorer(DEFAULT_MODEL, precision="int8")
    onnx_backend.verify(folder, encoder)
    fresh = json.loads((folder / onnx_backend.MANIFEST).read_text())["files"][onnx_backend.MODEL_FILE]
    assert fresh == expected, "the build is deterministic: the same encoder gives the same bytes"
    assert [s.label for s in rebuilt.score(DUTCH)] == [s.label for s in e5_int8.score(DUTCH)]


def test_the_int8_encoder_still_works_in_a_forked_worker(tiny_encoder, tiny_onnx):
    """A process that loaded the scorer and then forks (a worker pool) must not hang on dead threads."""
    import multiprocessing

    int8 = onnx_backend.OnnxEmbedder(tiny_onnx / onnx_backend.MODEL_FILE, workers=2)
    ids = torch.tensor([[2, 10, 11, 3], [2, 12, 3, 0]])
    mask = (ids != 0).long()
    expected = int8(ids, mask).numpy()  # the parent's worker threads exist now
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def work() -> None:
        try:
            queue.put(int8(ids, mask).numpy())
        except BaseException as exc:  # noqa: BLE001 - the parent names what went wrong
            queue.put(repr(exc))

    child = ctx.Process(target=work)
    child.start()
    got = queue.get(timeout=20)  # raises queue.Empty if the child hung
    child.join(timeout=5)
    if child.is_alive():
        child.kill()
    assert not isinstance(got, str), f"the forked worker failed: {got}"
    np.testing.assert_array_equal(got, expected)
