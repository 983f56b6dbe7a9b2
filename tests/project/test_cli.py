"""The command line: every command, however deep, answers --help and is documented."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from klantstem.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


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


def _docs() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def test_every_source_type_is_in_the_sources_page():
    from typing import get_args

    from klantstem.config import Source

    types = get_args(Source.model_fields["type"].annotation)
    page = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    missing = [t for t in types if f"`{t}`" not in page]
    assert len(types) >= 9 and not missing, f"source types not in docs/sources.md: {missing}"


def test_every_view_is_documented():
    import re

    views = {name for path in (ROOT / "warehouse" / "views").glob("*.sql")
             for name in re.findall(r"CREATE OR REPLACE VIEW (\w+)", path.read_text(encoding="utf-8"))}
    docs = _docs()
    missing = sorted(v for v in views if f"`{v}`" not in docs)
    assert len(views) >= 10 and not missing, f"views not in README.md or docs/*.md: {missing}"
