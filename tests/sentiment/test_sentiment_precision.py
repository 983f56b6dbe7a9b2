"""Which path a CPU gets (bf16 / int8 / fp32), how a caller overrides it, what the model id says,
and the sentence embeddings a scorer returns beside its scores."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sentiment import load_scorer
from sentiment.head import Head
from sentiment.labels import LabelMap
from sentiment.models import LoadedModel, choose_precision
from sentiment.registry import DEFAULT_MODEL, REGISTRY, RegistryEntry
from sentiment.scorer import Scorer, default_model_id
from tests.sentiment_helpers import build_tiny_model, build_tokenizer

E5 = REGISTRY[DEFAULT_MODEL]
HUB = REGISTRY["robbert-v2-nl"]


@pytest.fixture
def cpu(monkeypatch):
    """Pretend to be a CPU with or without native bf16 and AMX; no precision set in the environment."""
    monkeypatch.delenv("KLANTSTEM_PRECISION", raising=False)
    monkeypatch.delenv("KLANTSTEM_BF16", raising=False)

    def pretend(native_bf16: bool, amx: bool = False) -> None:
        monkeypatch.setattr("sentiment.models.bf16_native", lambda: native_bf16)
        monkeypatch.setattr("sentiment.models.amx_native", lambda: amx)

    return pretend


def test_amx_cpus_run_bf16_autocast(cpu):
    cpu(True, amx=True)
    assert choose_precision(None, E5) == "bf16"
    assert choose_precision("auto", HUB) == "bf16"


def test_avx512_bf16_cpus_without_amx_run_the_faster_int8_encoder(cpu):
    cpu(True)
    assert choose_precision(None, E5) == "int8", "measured 1.6x bf16 autocast there"
    assert choose_precision(None, HUB) == "bf16", "a model without a measured int8 path keeps native bf16"


def test_other_cpus_run_the_int8_encoder_where_it_kept_accuracy_and_fp32_elsewhere(cpu):
    cpu(False)
    assert E5.quantize, "e5-small-nl's int8 path was measured within one point of fp32"
    assert choose_precision(None, E5) == "int8"
    assert not HUB.quantize
    assert choose_precision(None, HUB) == "fp32"
    unmeasured = RegistryEntry(name="e5-other", source="x", kind="e5-head", quantize=False)
    assert choose_precision(None, unmeasured) == "fp32", "int8 only where it was measured"


def test_forcing_bf16_off_measures_the_path_other_cpus_get(monkeypatch):
    monkeypatch.delenv("KLANTSTEM_PRECISION", raising=False)
    monkeypatch.setenv("KLANTSTEM_BF16", "0")
    monkeypatch.setattr("sentiment.models.amx_native", lambda: True)
    assert choose_precision(None, E5) == "int8"
    assert choose_precision(None, HUB) == "fp32"


@pytest.mark.parametrize("native,amx", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("requested", ["fp32", "bf16", "int8"])
def test_an_explicit_precision_wins_on_any_cpu(cpu, native, amx, requested):
    cpu(native, amx)
    assert choose_precision(requested, E5) == requested
    assert choose_precision(requested, HUB) == requested


def test_the_environment_sets_the_default_and_an_argument_beats_it(cpu, monkeypatch):
    cpu(True, amx=True)
    monkeypatch.setenv("KLANTSTEM_PRECISION", "fp32")
    assert choose_precision(None, E5) == "fp32"
    assert choose_precision("int8", E5) == "int8"
    monkeypatch.setenv("KLANTSTEM_PRECISION", "auto")
    assert choose_precision(None, E5) == "bf16"


def test_an_unknown_precision_is_a_clear_error_naming_where_it_came_from(cpu, monkeypatch):
    cpu(False)
    with pytest.raises(ValueError, match=r"precision must be one of auto, fp32, bf16, int8; got 'fp16'"):
        choose_precision("fp16", E5)
    monkeypatch.setenv("KLANTSTEM_PRECISION", "int4")
    with pytest.raises(ValueError, match=r"KLANTSTEM_PRECISION must be one of .*got 'int4'"):
        choose_precision(None, E5)


def test_the_default_model_id_says_when_scores_come_from_int8(cpu):
    cpu(False)
    exact = default_model_id("fp32")
    assert exact.startswith(f"{DEFAULT_MODEL}@") and "+" not in exact
    assert default_model_id("bf16") == exact, "bf16 is within cosine 0.9999 of fp32: same scores, same id"
    assert default_model_id("int8") == exact + "+onnx-int8"
    assert default_model_id(None) == exact + "+onnx-int8", "the default on a CPU without AMX"
    cpu(True, amx=True)
    assert default_model_id(None) == exact


def test_int8_of_a_transformers_classifier_is_torch_dynamic_quantisation(tmp_path, cpu):
    cpu(False)
    path = build_tiny_model(tmp_path / "tiny")
    fp32, int8 = load_scorer(str(path)), load_scorer(str(path), precision="int8")
    assert fp32.precision == "fp32" and int8.precision == "int8"
    assert int8.model_id == fp32.model_id + "+int8"
    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in int8._net.modules())


def test_eval_rejects_an_unknown_precision_variant(tmp_path):
    from sentiment.evaluate import run_eval

    with pytest.raises(ValueError, match="model variant must be one of auto, fp32, bf16, int8"):
        run_eval([f"{DEFAULT_MODEL}:fp16"], [], cache_dir=tmp_path, lexicon=False)


# --- embeddings beside scores -------------------------------------------------------------

DIM = 4


class _BagOfIds(torch.nn.Module):
    """A stand-in encoder: the L2-normalised sum of a fixed vector per token id (padding masked)."""

    def __init__(self, vocab: int) -> None:
        super().__init__()
        self.table = torch.randn(vocab, DIM, generator=torch.Generator().manual_seed(0))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        summed = (self.table[input_ids] * attention_mask.unsqueeze(-1)).sum(1)
        return torch.nn.functional.normalize(summed, dim=-1)


@pytest.fixture
def embedding_scorer() -> Scorer:
    tokenizer = build_tokenizer()
    head = Head(weight=np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=np.float32),
                bias=np.zeros(3, dtype=np.float32), sha8="00000000")
    loaded = LoadedModel(_BagOfIds(len(tokenizer)), tokenizer, LabelMap((-1.0, 0.0, 1.0)), "bag@00000000",
                         max_positions=16, head=head)
    return Scorer(loaded, batch_size=2, max_length=16, precision="fp32")


def test_embeddings_come_with_the_scores_they_produced(embedding_scorer):
    texts = ["de levering was snel", "het pakket is kapot", "", "de levering was snel"]
    scores, vectors = embedding_scorer.score_with_embeddings(texts)
    assert vectors.shape == (4, DIM) and vectors.dtype == np.float32
    assert scores == embedding_scorer.score(texts)
    np.testing.assert_array_equal(vectors[0], vectors[3])
    assert not vectors[2].any(), "a blank text has no embedding"
    np.testing.assert_allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, rtol=1e-5)
    logits = vectors[1].astype(np.float64)[:3]
    p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert (scores[1].p_neg, scores[1].p_neu, scores[1].p_pos) == pytest.approx(tuple(p), abs=1e-6), \
        "the head reads exactly the embedding that is returned"


def test_a_chunked_text_gets_the_normalised_sum_of_its_chunks(embedding_scorer):
    long_text = "de levering was snel. " * 6  # more than one 16-token window
    segments = embedding_scorer._segmenter([long_text])
    assert len(segments.ids) > 1
    chunk_vectors = embedding_scorer.segment_values(segments)[1]
    expected = chunk_vectors.sum(0) / np.linalg.norm(chunk_vectors.sum(0))
    _, vectors = embedding_scorer.score_with_embeddings([long_text])
    np.testing.assert_allclose(vectors[0], expected, rtol=1e-5)


def test_models_without_an_encoder_embedding_say_so(tmp_path):
    scorer = load_scorer(str(build_tiny_model(tmp_path / "tiny")), precision="fp32")
    with pytest.raises(ValueError, match="has no sentence embedding"):
        scorer.score_with_embeddings(["goed"])

