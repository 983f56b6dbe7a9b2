"""The inner loop (`pytest -m "not slow"`): which tests are slow is said in one place,
tests/conftest.py, and every name there is a real file."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import SLOW_FIXTURES, SLOW_MODULES, pytest_collection_modifyitems

TESTS = Path(__file__).resolve().parents[1]


class _Item:
    def __init__(self, module: str, fixtures: tuple[str, ...] = ()) -> None:
        self.module = ModuleType(f"tests.{module}")
        self.fixturenames = fixtures
        self.markers: list[str] = []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker.name)


def test_every_slow_file_named_exists() -> None:
    files = {p.stem for p in TESTS.rglob("test_*.py")}
    assert sorted(SLOW_MODULES - files) == []


def test_a_slow_file_or_a_slow_fixture_marks_the_test_and_nothing_else_does() -> None:
    items = [_Item("test_sources_crawl"), _Item("test_spiders", ("crawl_dir", "tmp_path")),
             _Item("test_spiders", ("tmp_path",)), _Item("test_flow", ("prefect_harness",))]
    pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [i.markers for i in items] == [["slow"], ["slow"], [], ["slow"]]
    assert "crawl_dir" in SLOW_FIXTURES
