"""The real loading path (transformers, local files) with tiny models built in the test."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from sentiment import Score, load_scorer
from sentiment.labels import LabelMappingError
from sentiment.registry import REGISTRY, RegistryEntry
from tests.sentiment_helpers import build_tiny_model

STARS = {i: f"{i + 1} star" + ("s" if i else "") for i in range(5)}
POS, NEG, NEU = "De bestelling was super, echt top!", "Het pakket kwam kapot aan, slecht.", "ik heb een boek"


@pytest.fixture(scope="module")
def three_class(tmp_path_factory: pytest.TempPathFactory):
    return build_tiny_model(tmp_path_factory.mktemp("tiny3") / "model")


def test_local_folder_three_class(three_class):
    scorer = load_scorer(str(three_class), precision="fp32")
    assert scorer.model_id.startswith("local:model@") and len(scorer.model_id.split("@")[1]) == 8
    pos, neg, neu = scorer.score([POS, NEG, NEU])
    assert (pos.label, neg.label, neu.label) == ("pos", "neg", "neu")
    for s in (pos, neg, neu):
        assert isinstance(s, Score)
        assert -1.0 <= s.score <= 1.0
        assert s.p_neg + s.p_neu + s.p_pos == pytest.approx(1.0, abs=1e-5)
    assert pos.score > 0.5 and neg.score < -0.5
    assert pos.language == "nl"


def test_binary_model_has_no_neutral(tmp_path):
    path = build_tiny_model(tmp_path / "bin", id2label={0: "Negative", 1: "Positive"})
    pos, neg = load_scorer(str(path), precision="fp32").score([POS, NEG])
    assert (pos.label, neg.label) == ("pos", "neg")
    assert pos.p_neu == neg.p_neu == 0.0
    assert pos.score == pytest.approx(pos.p_pos - pos.p_neg)


def test_star_model_roberta(tmp_path):
    path = build_tiny_model(tmp_path / "stars", id2label=STARS, arch="roberta")
    scorer = load_scorer(str(path), precision="fp32")
    pos, neg = scorer.score([POS, NEG])
    assert pos.label == "pos" and neg.label == "neg"
    assert pos.score > 0.4 > -0.4 > neg.score


def test_generic_labels_need_a_registry_mapping(tmp_path, monkeypatch):
    path = build_tiny_model(tmp_path / "generic", id2label={0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    with pytest.raises(LabelMappingError, match="LABEL_0"):
        load_scorer(str(path))
    entry = RegistryEntry(name="tiny-generic", source=str(path),
                          label_overrides={"LABEL_0": -1.0, "LABEL_1": 0.0, "LABEL_2": 1.0})
    monkeypatch.setitem(REGISTRY, "tiny-generic", entry)
    scorer = load_scorer("tiny-generic", precision="fp32")
    assert scorer.model_id.startswith("local:generic@")
    assert [s.label for s in scorer.score([POS, NEG])] == ["pos", "neg"]


def test_unknown_label_error_names_model(tmp_path):
    path = build_tiny_model(tmp_path / "odd", id2label={0: "bad", 1: "good"}, train_steps=0)
    with pytest.raises(LabelMappingError, match=r"odd.*'bad'"):
        load_scorer(str(path))


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    from sentiment.models import ModelUnavailable

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelUnavailable, match="no-such-org/no-such-model"):
        load_scorer("no-such-org/no-such-model")
    with pytest.raises(ModelUnavailable):
        load_scorer(str(tmp_path / "empty"))


def test_identical_texts_scored_once_and_order_kept(three_class):
    scorer = load_scorer(str(three_class), precision="fp32")
    seen: list[int] = []
    net = scorer._net
    scorer._net = lambda ids, mask: (seen.append(ids.shape[0]), net(ids, mask))[1]
    texts = [NEG, POS, NEG, NEG, "", POS]
    scores = scorer.score(texts)
    assert sum(seen) == 2  # two distinct non-blank texts
    assert scores[0] == scores[2] == scores[3] and scores[1] == scores[5]
    assert scores[0].label == "neg" and scores[1].label == "pos"
    assert scores[4] == Score("neu", 0.0, 0.0, 1.0, 0.0, None)


def test_batches_are_length_sorted_and_dynamically_padded(three_class):
    scorer = load_scorer(str(three_class), precision="fp32", batch_size=2)
    widths: list[int] = []
    net = scorer._net
    scorer._net = lambda ids, mask: (widths.append(ids.shape[1]), net(ids, mask))[1]
    texts = ["top", "de bestelling was echt heel erg slecht en kapot. " * 3, "goed", "ik ben blij met de app"]
    scorer.score(texts)
    assert widths == sorted(widths) and widths[0] < widths[-1] <= 128


def test_long_text_is_chunked_not_truncated(three_class):
    scorer = load_scorer(str(three_class), precision="fp32", max_length=32)
    praise = "De service was super en de levering snel. " * 50  # ~450 tokens
    complaint = "Het pakket was kapot en slecht, waardeloos, ik ben boos en teleurgesteld."
    calls: list[int] = []
    net = scorer._net
    scorer._net = lambda ids, mask: (calls.append(ids.shape[0]), net(ids, mask))[1]
    plain, with_complaint = scorer.score([praise, praise + complaint])
    assert sum(calls) > 20  # every chunk of both texts was scored
    assert plain.label == "pos"
    assert with_complaint.label == "neg"  # the last paragraph was neither cut off nor diluted
    assert with_complaint.p_neg > plain.p_neg + 0.3


def test_int8_quantised_agrees_with_fp32(three_class):
    texts = [POS, NEG, NEU, "wij zijn heel tevreden", "nooit meer, oplichters", "de levering was laat"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp32 = load_scorer(str(three_class), precision="fp32")
        int8 = load_scorer(str(three_class), precision="int8")
    assert int8.model_id == fp32.model_id + "+int8"
    a, b = fp32.score(texts), int8.score(texts)
    assert [s.label for s in a] == [s.label for s in b]
    np.testing.assert_allclose([s.score for s in a], [s.score for s in b], atol=0.1)
    assert any(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in int8._net.modules())


def test_progress_bar_flag(three_class, capsys):
    load_scorer(str(three_class), precision="fp32").score([POS, NEG], progress=True)
    assert "scoring" in capsys.readouterr().err
