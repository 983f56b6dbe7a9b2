"""The written held-out sets: evaluation every clone can run, never trained on.

They are written like the training texts but in kinds the training set has little of (product
reviews, 40-100-word service reviews, single review sentences, news posts, Belgian French), so
they measure how the default head carries over, also where ../shared/data is absent (CI, a
user's clone).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sentiment.datasets import (
    HELDOUT_DIR,
    WRITTEN_SETS,
    load_eval_sets,
    load_training,
    written_set,
)
from sentiment.evaluate import evaluate, format_table
from sentiment.scorer import Score

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def test_every_written_set_loads_with_all_three_labels():
    for name, file in WRITTEN_SETS.items():
        data = written_set(name)
        counts = Counter(data.labels)
        assert (HELDOUT_DIR / file).is_file()
        assert set(counts) == {"neg", "neu", "pos"} and min(counts.values()) >= 50, (name, counts)
    assert sum(len(written_set(n).texts) for n in WRITTEN_SETS) >= 4_900


def test_a_written_set_splits_by_locale_without_losing_a_text():
    from sentiment.datasets import by_locale

    whole = written_set("written_services")
    parts = by_locale(whole)
    assert [p.name for p in parts] == ["written_services[nl-BE]", "written_services[nl-NL]"]
    assert sorted(t for p in parts for t in p.texts) == sorted(whole.texts)
    for part in parts:
        locale = part.name[part.name.index("[") + 1:-1]
        assert set(part.locales) == {locale}
        assert all(whole.labels[whole.texts.index(t)] == label for t, label in zip(part.texts, part.labels))


def test_no_held_out_text_is_in_the_training_set_even_nearly():
    """A held-out text that the head saw (or nearly: half of its 5-word runs in one training text)
    would make the held-out figure a training figure."""
    train = [_words(e.text) for e in load_training()]
    exact = {" ".join(w) for w in train}
    runs: dict[tuple[str, ...], set[int]] = {}
    for i, words in enumerate(train):
        for j in range(len(words) - 4):
            runs.setdefault(tuple(words[j:j + 5]), set()).add(i)
    for name in WRITTEN_SETS:
        for text in written_set(name).texts:
            words = _words(text)
            assert " ".join(words) not in exact, f"{name}: {text!r} is a training text"
            mine = {tuple(words[j:j + 5]) for j in range(len(words) - 4)}
            shared = Counter(i for run in mine for i in runs.get(run, ()))
            if mine and shared:
                assert max(shared.values()) / len(mine) <= 0.5, f"{name}: {text!r} nearly copies a training text"


class _FixedScorer:
    """Scores from a table: the test decides every probability."""

    model_id = "fixed@test"

    def __init__(self, table: dict[str, tuple[float, float, float]]) -> None:
        self.table = table

    def score(self, texts, progress=False):
        out = []
        for t in texts:
            p = self.table[t]
            label = ("neg", "neu", "pos")[max(range(3), key=p.__getitem__)]
            out.append(Score(label=label, score=p[2] - p[0], p_neg=p[0], p_neu=p[1], p_pos=p[2], language="nl"))
        return out


def test_three_class_sets_also_report_accuracy_on_their_clear_texts():
    from sentiment.datasets import EvalSet

    data = EvalSet("toy", "toy", ("a", "b", "c", "d"), ("neg", "pos", "neu", "pos"), ("neg", "neu", "pos"))
    # a: neutral argmax but leans negative -> wrong 3-class, right on the clear rule
    # b: right; c: right; d: pos gold, leans negative -> wrong both ways
    scorer = _FixedScorer({"a": (0.4, 0.5, 0.1), "b": (0.1, 0.2, 0.7), "c": (0.2, 0.6, 0.2), "d": (0.5, 0.1, 0.4)})
    result = evaluate("fixed", scorer, data)
    assert result.accuracy == pytest.approx(0.5)
    assert result.clear_accuracy == pytest.approx(2 / 3)
    table = format_table([result])
    assert "| model | toy acc | toy F1 | toy clear |" in table
    assert "| fixed | 0.500 | " in table and " | 0.667 |" in table


def test_a_shared_set_without_the_shared_data_is_a_one_line_error():
    with pytest.raises(ValueError, match="'bolcom_reviews' needs the shared data folder"):
        load_eval_sets(None, ["bolcom_reviews"])
    assert [s.name for s in load_eval_sets(None)] == list(WRITTEN_SETS)


def test_eval_without_shared_data_scores_the_written_sets(tmp_path, monkeypatch, capsys):
    import argparse

    from sentiment.commands import register
    from tests.sentiment_helpers import build_tiny_model

    model = f"{build_tiny_model(tmp_path / 'tiny')}:fp32"
    monkeypatch.setenv("KLANTSTEM_SHARED_DATA", str(tmp_path / "absent"))
    parser = argparse.ArgumentParser(prog="klantstem")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["eval", "--models", model, "--no-lexicon", "--no-progress", "--limit", "20"])
    assert args.handler(args) == 0
    captured = capsys.readouterr()
    assert "the written held-out sets only" in captured.err
    assert f"| {model} | " in captured.out
    assert all(f"{name} clear" in captured.out for name in WRITTEN_SETS)
    args = parser.parse_args(["eval", "--models", model, "--no-progress", "--sets", "political_tweets"])
    assert args.handler(args) == 2
    assert "needs the shared data folder" in capsys.readouterr().err


#: The shipped head on its default path, measured with `klantstem eval` (docs/sentiment.md,
#: Evaluation) and rounded down by about two points: a retrained head or a changed encoder path
#: that loses more than that on texts it never saw fails here.
FLOORS = {  # set: (clear accuracy, macro-F1)
    "written_products": (0.79, 0.63),
    "written_services": (0.74, 0.60),
    "written_sentences": (0.76, 0.65),
    "written_posts": (0.81, 0.80),
    "written_french": (0.74, 0.65),
}


@pytest.mark.slow
def test_the_shipped_head_keeps_its_figures_on_the_written_sets():
    from sentiment import load_scorer
    from sentiment.registry import DEFAULT_MODEL

    scorer = load_scorer(DEFAULT_MODEL)
    for name, (clear, f1) in FLOORS.items():
        result = evaluate("default", scorer, written_set(name))
        assert result.clear_accuracy >= clear and result.macro_f1 >= f1, (name, result)
