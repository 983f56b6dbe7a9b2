"""Pure-logic parts of the sentiment step: label mapping, chunking, combining, languages."""

from __future__ import annotations

import numpy as np
import pytest

from sentiment.chunking import NEGATIVE_CHUNK_WEIGHT, chunk_token_ranges, combine, sentence_spans
from sentiment.labels import LabelMap, LabelMappingError, argmax_label
from sentiment.language import detect_languages


def test_three_class_names_any_case_and_dutch():
    lm = LabelMap.from_id2label({0: "Negative", 1: "neutraal", 2: "POSITIVE"}, "m")
    assert lm.polarities == (-1.0, 0.0, 1.0)


def test_binary_names():
    assert LabelMap.from_id2label({0: "negative", 1: "positive"}, "m").polarities == (-1.0, 1.0)


def test_stars_spread_over_minus_one_to_one():
    id2label = {i: f"{i + 1} star" + ("s" if i else "") for i in range(5)}
    assert LabelMap.from_id2label(id2label, "m").polarities == (-1.0, -0.5, 0.0, 0.5, 1.0)


def test_overrides_give_meaning_to_generic_names():
    lm = LabelMap.from_id2label({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, "m",
                                {"LABEL_0": -1.0, "LABEL_1": 0.0, "LABEL_2": 1.0})
    assert lm.polarities == (-1.0, 0.0, 1.0)


def test_unknown_label_names_model_and_label():
    with pytest.raises(LabelMappingError, match=r"'some/model'.*'LABEL_0'"):
        LabelMap.from_id2label({0: "LABEL_0", 1: "LABEL_1"}, "some/model")


def test_collapse_sums_buckets_and_weights_score():
    lm = LabelMap((-1.0, -0.5, 0.0, 0.5, 1.0))
    p3, score = lm.collapse(np.array([[0.1, 0.2, 0.3, 0.2, 0.2]]))
    np.testing.assert_allclose(p3, [[0.3, 0.3, 0.4]])
    np.testing.assert_allclose(score, [-0.1 - 0.1 + 0.1 + 0.2])


def test_binary_collapse_has_no_neutral_mass():
    p3, score = LabelMap((-1.0, 1.0)).collapse(np.array([[0.8, 0.2]]))
    np.testing.assert_allclose(p3, [[0.8, 0.0, 0.2]])
    np.testing.assert_allclose(score, [-0.6])


def test_argmax_ties_prefer_neutral_then_negative():
    assert argmax_label([0.4, 0.4, 0.2]) == "neu"
    assert argmax_label([0.45, 0.1, 0.45]) == "neg"
    assert argmax_label([0.1, 0.2, 0.7]) == "pos"


def test_sentence_spans_cover_text():
    text = "Goed boek. Maar het einde!? Slecht\nNieuwe alinea zonder punt"
    spans = sentence_spans(text)
    assert "".join(text[a:b] for a, b in spans) == text
    assert [text[a:b].strip() for a, b in spans] == [
        "Goed boek.", "Maar het einde!?", "Slecht", "Nieuwe alinea zonder punt"]


def test_chunks_respect_budget_and_sentence_boundaries():
    # 3 sentences of 4 tokens each, token i starts at char 10*i; sentences start at 0, 40, 80
    starts = [10 * i for i in range(12)]
    spans = [(0, 40), (40, 80), (80, 120)]
    assert chunk_token_ranges(starts, spans, budget=8) == [(0, 8), (8, 12)]
    assert chunk_token_ranges(starts, spans, budget=5) == [(0, 4), (4, 8), (8, 12)]


def test_overlong_sentence_is_cut_to_budget():
    starts = list(range(10))
    ranges = chunk_token_ranges(starts, [(0, 10)], budget=4)
    assert ranges == [(0, 4), (4, 8), (8, 10)]


def test_combine_single_chunk_is_identity():
    row = np.array([[0.2, 0.3, 0.5, 0.3]])
    np.testing.assert_allclose(combine(row, [10]), row[0])


def test_negative_paragraph_is_not_diluted_by_length():
    positive = [0.05, 0.1, 0.85, 0.8]
    negative = [0.9, 0.05, 0.05, -0.85]
    rows = np.array([positive] * 9 + [negative])
    out = combine(rows, [200] * 10)
    mean = np.mean(rows, axis=0)
    np.testing.assert_allclose(out, (1 - NEGATIVE_CHUNK_WEIGHT) * mean + NEGATIVE_CHUNK_WEIGHT * np.array(negative))
    assert argmax_label(out[:3]) == "neg"


def test_mildly_negative_chunks_only_average():
    rows = np.array([[0.4, 0.1, 0.5, 0.1], [0.1, 0.1, 0.8, 0.7]])
    np.testing.assert_allclose(combine(rows, [10, 30]), (rows[0] * 10 + rows[1] * 30) / 40)


def test_languages_detected_and_short_texts_unknown():
    langs = detect_languages(["De bezorging was echt veel te laat", "The delivery was far too late",
                              "Die Lieferung kam viel zu spät an", "Top!", ""])
    assert langs == ["nl", "en", "de", None, None]
