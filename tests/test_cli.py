"""The command line: every command, however deep, answers --help and is documented."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from klantstem.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found.extend(_commands(sub, (*prefix, name)))
    return found


COMMANDS = _commands(build_parser())


def test_the_tree_has_the_commands_a_reputation_manager_uses():
    for command in [("run",), ("demo",), ("label",), ("score",), ("model", "adapt"), ("eval",), ("sql",)]:
        assert command in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: klantstem {' '.join(command)}" in capsys.readouterr().out.replace("\n", " ").replace("  ", " ")


def test_every_leaf_command_is_in_the_docs():
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))
    leaves = [c for c in COMMANDS if not any(other[: len(c)] == c and other != c for other in COMMANDS)]
    missing = [" ".join(c) for c in leaves if f"klantstem {' '.join(c)}" not in docs]
    assert not missing, f"commands not in README.md or docs/*.md: {missing}"
