"""``klantstem insights ...`` and ``klantstem survey import`` print the insights in Dutch;
analysts can query the same views with the duckdb CLI."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from insights.commands import register
from insights.pipeline import refresh_insights
from klantstem.config import MonitorConfig
from tests.insights.test_insights_pipeline import AS_OF, FakeScorer, _driver_reviews, load, make_config
from tests.warehouse_helpers import row


def run(argv: list[str]) -> int:
    """The insights commands on a parser of their own (as klantstem/cli.py registers them)."""
    parser = argparse.ArgumentParser(prog="klantstem")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[MonitorConfig, Path]:
    config_path = tmp_path / "monitor.toml"
    config_path.write_text(
        '[[brands]]\nname = "Snelkoop"\nown = true\n[[brands]]\nname = "Winkelwagen"\n'
        '[warehouse]\npath = "wh.duckdb"\n', encoding="utf-8")
    config = make_config(tmp_path)
    rows = _driver_reviews(40)
    rows += [row(f"w{i}", brand="Winkelwagen", text="Bezorging prima, retour lastig.") for i in range(3)]
    load(config, *rows)
    refresh_insights(config, FakeScorer(), as_of=AS_OF)
    return config, config_path


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["aspects"], ["Snelkoop (eigen merk)", "Bezorging", "Belang", "Ontevreden", "Winkelwagen"]),
        (["aspects", "--brand", "Winkelwagen"], ["Retour & terugbetaling"]),
        (["grades"], ["NPS", "Criticaster", "Klantgericht", "Snelkoop - reviews"]),
        (["benchmark"], ["aandeel negatief", "Snelkoop *", "Winkelwagen", "Totaal"]),
        (["benchmark", "--metric", "mean_grade"], ["gemiddeld cijfer"]),
        (["drivers"], ["Sleuteldrijvers", "Bezorging", "Kwadrant", "Winst (cijfer)", "Alle merken"]),
        (["emerging"], ["Geen opkomende onderwerpen", str(AS_OF)]),
        (["blind-spots"], ["klantstem survey import"]),
    ],
)
def test_report_commands_print_dutch_tables(warehouse, capsys: pytest.CaptureFixture[str], argv: list[str],
                                            expected: list[str]) -> None:
    _, config_path = warehouse
    assert run(["insights", *argv, "-c", str(config_path)]) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out, f"{text!r} missing from:\n{out}"


def test_survey_import_then_blind_spots(warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, config_path = warehouse
    survey = tmp_path / "enquete.csv"
    survey.write_text("datum;cijfer;antwoord\n" + "".join(f"2026-11-0{i % 9 + 1};{i % 6};Te duur\n" for i in range(12)),
                      encoding="utf-8")
    assert run(["survey", "import", str(survey), "-c", str(config_path)]) == 0
    assert "12 answers read, 12 new" in capsys.readouterr().out
    assert run(["survey", "import", str(survey), "-c", str(config_path)]) == 0
    assert "0 new, 12 already imported" in capsys.readouterr().out


def test_a_bad_survey_file_is_one_line_on_stderr_and_exit_2(warehouse, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    _, config_path = warehouse
    bad = tmp_path / "enquete.csv"
    bad.write_text("date,score\n2026-11-03,8\n", encoding="utf-8")
    assert run(["survey", "import", str(bad), "-c", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("klantstem: error: ") and "missing column 'answer'" in err and err.count("\n") == 1


def test_reports_on_a_missing_warehouse_say_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_path = tmp_path / "monitor.toml"
    config_path.write_text('[[brands]]\nname = "A"\n[warehouse]\npath = "none.duckdb"\n', encoding="utf-8")
    assert run(["insights", "aspects", "-c", str(config_path)]) == 2
    assert "klantstem run" in capsys.readouterr().err


def test_the_klantstem_command_line_has_the_insights_and_survey_commands() -> None:
    pytest.importorskip("sentiment.commands")
    pytest.importorskip("alerts.commands")
    from klantstem.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["insights", "drivers"]).handler is not None
    assert parser.parse_args(["survey", "import", "x.csv"]).file == Path("x.csv")


@pytest.mark.skipif(shutil.which("duckdb") is None, reason="duckdb CLI (pip install duckdb-cli) not installed")
def test_analysts_can_query_the_insights_views_with_the_duckdb_cli(warehouse) -> None:
    config, _ = warehouse
    sql = ("SELECT aspect, mentions FROM aspect_performance WHERE brand = 'Snelkoop' AND aspect = 'delivery'; "
           "SELECT count(*) > 0 AS ok FROM key_driver_matrix; SELECT count(*) AS n FROM grade_distribution "
           "WHERE brand = 'Snelkoop' AND source = 'all'; SELECT count(*) AS n FROM competitor_benchmark "
           "WHERE aspect = 'overall'; SELECT count(*) AS n FROM blind_spot_terms; SELECT count(*) AS n FROM emerging_topics")
    result = subprocess.run(["duckdb", "-readonly", "-csv", str(config.warehouse.path), "-c", sql],
                            capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["aspect,mentions", "delivery,40", "ok", "true", "n", "10", "n", "2", "n", "0", "n", "0"]
