"""`klantstem score FILE`: a survey export or ticket dump scored with the pipeline's own scorer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from flows.score_file import OUTPUT_COLUMNS, ScoreFileError, read_rows, score_file
from klantstem.cli import main
from klantstem.config import MonitorConfig


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from tests.sentiment_helpers import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def _config(tmp_path: Path, model: Path) -> tuple[MonitorConfig, Path]:
    path = tmp_path / "monitor.toml"
    path.write_text(f"""
[[brands]]
name = "Snelkoop"
own = true
sources = [{{ type = "jsonld", url = "https://example.nl/reviews" }}]

[warehouse]
path = "{tmp_path / 'wh.duckdb'}"

[sentiment]
model = "{model}"
""", encoding="utf-8")
    from klantstem.config import load_config

    return load_config(path), path


def test_a_csv_survey_export_gets_label_probabilities_language_and_model_id(tmp_path, tiny_model):
    config, _ = _config(tmp_path, tiny_model)
    survey = tmp_path / "enquete.csv"
    # Excel on a Dutch machine: semicolons, and an answer with a line break and a quote
    survey.write_text('respondent;cijfer;antwoord\n1;9;"Super snel geleverd, top!"\n'
                      '2;3;"Slecht, pakket kapot.\nNooit meer ""service"" zo."\n3;7;\n', encoding="utf-8")
    result = score_file(config, survey, text_columns=["antwoord"])
    assert result.out == tmp_path / "enquete.scored.csv"
    with open(result.out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["respondent"] for r in rows] == ["1", "2", "3"], "input columns and order are kept"
    assert list(rows[0])[-len(OUTPUT_COLUMNS):] == list(OUTPUT_COLUMNS)
    assert [r["sentiment_label"] for r in rows] == ["pos", "neg", "neu"]
    assert rows[1]["antwoord"] == 'Slecht, pakket kapot.\nNooit meer "service" zo.'
    assert rows[0]["model_id"].startswith("local:model@")
    assert abs(sum(float(rows[0][p]) for p in ("p_neg", "p_neu", "p_pos")) - 1) < 1e-3
    assert (result.rows, result.empty) == (3, 1)
    assert "scored 2 texts (1 empty rows left neutral)" in result.describe()


def test_jsonl_and_xlsx_round_trip_with_joined_columns(tmp_path, tiny_model):
    from openpyxl import Workbook, load_workbook

    config, _ = _config(tmp_path, tiny_model)
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text(json.dumps({"id": 7, "title": "Klacht", "body": "Slecht en traag, boos."}) + "\n",
                       encoding="utf-8")
    out = score_file(config, tickets, text_columns=["title", "body"]).out
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["id"] == 7 and row["sentiment_label"] == "neg"

    book = Workbook()
    book.active.append(["vraag", "antwoord"])
    book.active.append(["Wat vond u ervan?", "Geweldig, vriendelijk en snel!"])
    book.save(tmp_path / "nps.xlsx")
    result = score_file(config, tmp_path / "nps.xlsx", text_columns=["antwoord"], out=tmp_path / "nps-out.xlsx")
    sheet = load_workbook(result.out).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("sentiment_label") + 1).value == "pos"


def test_a_missing_column_names_the_columns_there_are(tmp_path, tiny_model):
    config, _ = _config(tmp_path, tiny_model)
    (tmp_path / "a.csv").write_text("id,opmerking\n1,prima\n", encoding="utf-8")
    with pytest.raises(ScoreFileError, match="no column 'text'; columns are 'id', 'opmerking'"):
        score_file(config, tmp_path / "a.csv")
    with pytest.raises(ScoreFileError, match="unsupported format .txt"):
        read_rows(tmp_path / "notes.txt")


def test_the_cli_reports_user_errors_in_one_line(tmp_path, tiny_model, capsys):
    _, config_path = _config(tmp_path, tiny_model)
    assert main(["score", "-c", str(config_path), str(tmp_path / "absent.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("klantstem: error:") and "absent.csv: file not found" in err and err.count("\n") == 1
