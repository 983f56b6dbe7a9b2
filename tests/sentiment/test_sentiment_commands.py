"""The `klantstem model ...` and `klantstem eval` subcommands."""

from __future__ import annotations

import argparse

import pytest

from sentiment.commands import register


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="klantstem")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.mark.parametrize("argv", [["model", "--help"], ["model", "build", "--help"], ["model", "train-head", "--help"],
                                  ["model", "list", "--help"], ["eval", "--help"]])
def test_every_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(argv)
    assert exit_info.value.code == 0
    assert "usage: klantstem" in capsys.readouterr().out


def test_model_list_names_the_registry(capsys):
    args = _parser().parse_args(["model", "list"])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    for name in ("e5-small-nl (default)", "robbert-v2-nl", "bert-multilingual-stars", "xlmr-twitter"):
        assert name in out


def test_eval_without_data_is_a_user_error(tmp_path, capsys):
    args = _parser().parse_args(["eval", "--data", str(tmp_path / "absent")])
    assert args.handler(args) == 2
    assert "evaluation data not found" in capsys.readouterr().err


def test_eval_on_a_tiny_model_and_fake_corpus(tmp_path, capsys):
    from tests.sentiment_helpers import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny")
    root = tmp_path / "data" / "bolcom_book_reviews"
    root.mkdir(parents=True)
    (root / "dev.csv").write_text('1,"Super goed, top!"\n-1,"Slecht en kapot."\n1,"Echt geweldig"\n', encoding="utf-8")
    args = _parser().parse_args(["eval", "--data", str(tmp_path / "data"), "--sets", "bolcom_reviews",
                                 "--models", f"{model}:fp32", "--no-progress", "--json", str(tmp_path / "r.json")])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert f"| {model}:fp32 | 1.000 | 1.000 |" in out
    assert "\nCPU: " in out and "native bf16: " in out, "every figure says which CPU it comes from"
    assert (tmp_path / "r.json").is_file()


def test_train_head_missing_file_is_a_user_error(tmp_path, capsys):
    args = _parser().parse_args(["model", "train-head", "--train", str(tmp_path / "none.csv")])
    assert args.handler(args) == 2
