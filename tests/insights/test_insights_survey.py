"""The company's own survey: import from CSV or XLSX with one-line errors, idempotently, and
the blind-spot report that compares it with what unhappy customers say in public."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from insights.pipeline import refresh_insights
from insights.survey import SurveyImportError, import_survey, read_survey
from klantstem.config import MonitorConfig
from tests.insights.test_insights_pipeline import AS_OF, FakeScorer, load, make_config, query
from tests.warehouse_helpers import row


@pytest.fixture
def config(tmp_path: Path) -> MonitorConfig:
    return make_config(tmp_path)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_dutch_semicolon_csv_imports_once_however_often_it_is_imported(config: MonitorConfig, tmp_path: Path) -> None:
    survey = write(tmp_path / "enquete.csv",
                   "Datum;Cijfer;Toelichting;Segment\n"
                   "03-11-2026;8;Snelle levering;particulier\n"
                   "2026-11-04;3,0;De klantenservice nam niet op;zakelijk\n"
                   "04-11-2026;9;;particulier\n")
    first = import_survey(config, survey)
    again = import_survey(config, survey)
    assert (first.rows, first.new) == (3, 3)
    assert (again.rows, again.new, again.already_imported) == (3, 0, 3)
    got = query(config, "SELECT answered_on, score, answer, segment, brand, source_row FROM survey_answers ORDER BY source_row")
    assert got == [
        (date(2026, 11, 3), 8, "Snelle levering", "particulier", "Snelkoop", 2),
        (date(2026, 11, 4), 3, "De klantenservice nam niet op", "zakelijk", "Snelkoop", 3),
        (date(2026, 11, 4), 9, "", "particulier", "Snelkoop", 4),
    ]
    assert query(config, "SELECT count(*) FROM survey_aspects") == [(2,)], "answers are tagged once"


def test_identical_answers_from_different_people_are_kept_and_a_longer_export_adds_only_the_new(
    config: MonitorConfig, tmp_path: Path
) -> None:
    header = "date,score,answer\n"
    same = "2026-11-03,8,Prima\n"
    import_survey(config, write(tmp_path / "okt.csv", header + same + same))
    later = import_survey(config, write(tmp_path / "okt-nov.csv", header + same + same + "2026-11-20,4,Te duur\n"),
                          survey="okt.csv")
    assert later.new == 1
    assert query(config, "SELECT count(*) FROM survey_answers WHERE answer = 'Prima'") == [(2,)]


def test_two_surveys_with_answers_that_read_the_same_are_both_kept(config: MonitorConfig, tmp_path: Path) -> None:
    """Without response ids, a second survey's "same day, score 7, no comment" is another
    person, not the first survey's answer: kept, and the import says it looks alike."""
    header = "date,score,answer\n"
    import_survey(config, write(tmp_path / "winkel.csv", header + "2026-11-03,7,\n"))
    other = import_survey(config, write(tmp_path / "webshop.csv", header + "2026-11-03,7,\n" * 2 + "2026-11-03,9,\n"))
    assert (other.rows, other.new) == (3, 3)
    assert query(config, "SELECT count(*) FROM survey_answers") == [(4,)]
    assert other.notes() == [f"{tmp_path / 'webshop.csv'}: 2 new answers read exactly like answers imported from "
                             "winkel.csv; if this file is a longer export of that survey, import it with "
                             "--survey 'winkel.csv' instead"]


def test_a_response_id_column_is_the_key(config: MonitorConfig, tmp_path: Path) -> None:
    import_survey(config, write(tmp_path / "a.csv", "id,date,score,answer\nR1,2026-11-03,8,Prima\n"))
    result = import_survey(config, write(tmp_path / "b.csv", "id,date,score,answer\nR1,2026-11-03,8,Prima!\n"))
    assert result.new == 0


def test_an_xlsx_export_with_date_cells_imports(config: MonitorConfig, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Datum", "Score", "Antwoord", "Segment"])
    sheet.append([datetime(2026, 11, 3, 14, 5), 6, "Retourneren was lastig", None])
    sheet.append([date(2026, 11, 5), 10.0, "Top", "zakelijk"])
    book.save(tmp_path / "enquete.xlsx")
    result = import_survey(config, tmp_path / "enquete.xlsx")
    assert result.new == 2
    assert query(config, "SELECT answered_on, score, segment FROM survey_answers ORDER BY score") == [
        (date(2026, 11, 3), 6, None), (date(2026, 11, 5), 10, "zakelijk")]
    assert query(config, "SELECT aspect FROM survey_aspects") == [("returns",)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("datum,antwoord\n2026-11-03,Prima\n", "row 1 (header): missing column 'score' (found: datum, antwoord)"),
        ("date,score,cijfer,answer\n", "row 1 (header), column cijfer: a second 'score' column"),
        ("date,score,answer\n2026-11-03,8,ok\n2026-11-04,11,boos\n", "row 3, column score: '11' is not a whole number 0-10"),
        ("date,score,answer\n2026-11-03,acht,ok\n", "row 2, column score: 'acht' is not a number 0-10"),
        ("date,score,answer\n11/31/2026,8,ok\n2026-11-04,x,ok\n", "row 2, column date: '11/31/2026' is not a date"),
        ("date,score,answer\n,8,ok\n", "row 2, column date: empty"),
        ("", "empty file"),
    ],
)
def test_a_bad_file_is_refused_with_file_row_and_column_in_one_line(tmp_path: Path, content: str, expected: str) -> None:
    bad = write(tmp_path / "enquete.csv", content)
    with pytest.raises(SurveyImportError) as err:
        read_survey(bad)
    message = str(err.value)
    assert message.startswith(f"{bad}: ") and expected in message and "\n" not in message


def test_several_bad_rows_report_the_first_and_count_the_rest(tmp_path: Path) -> None:
    bad = write(tmp_path / "e.csv", "date,score,answer\n2026-11-03,12,a\n2026-11-03,13,b\n2026-11-03,14,c\n")
    with pytest.raises(SurveyImportError, match=r"row 2, column score: .*\(and 2 more\)$"):
        read_survey(bad)


def test_the_good_rows_of_a_file_are_stored_and_each_bad_row_is_reported(config: MonitorConfig, tmp_path: Path) -> None:
    survey = write(tmp_path / "e.csv", "date,score,answer\n2026-11-03,8,ok\n2026-11-03,99,no\n2026-13-03,5,hm\n")
    result = import_survey(config, survey)
    assert (result.rows, result.new) == (1, 1)
    assert result.rejects == ("row 3, column score: '99' is not a whole number 0-10",
                              "row 4, column date: '2026-13-03' is not a date (use 2026-11-30 or 30-11-2026)")
    assert "1 answers read, 1 new, 0 already imported, 2 rows skipped" in result.describe()
    assert query(config, "SELECT answer FROM survey_answers") == [("ok",)]
    write(survey, "date,score,answer\n2026-11-03,8,ok\n2026-11-03,9,no\n2026-12-03,5,hm\n")
    fixed = import_survey(config, survey)
    assert (fixed.new, fixed.already_imported, fixed.rejects) == (2, 1, ())


def test_a_file_without_one_readable_row_is_refused(config: MonitorConfig, tmp_path: Path) -> None:
    with pytest.raises(SurveyImportError, match=r"e\.csv: no readable answer: row 2, column score: .*\(and 1 more\)$"):
        import_survey(config, write(tmp_path / "e.csv", "date,score,answer\n2026-11-03,99,no\n2026-11-03,x,no\n"))


def test_blind_spots_show_what_is_said_in_public_but_not_in_the_survey_and_back(config: MonitorConfig, tmp_path: Path) -> None:
    public = ["De bezorger gooide het pakket over de schutting.", "Bezorger belde niet aan, pakket kwijt.",
              "Pakket kwijt en de bezorger was onbeschoft.", "Bezorger liet pakket bij de buren.",
              "De bezorger was weer te laat.", "Bezorger kwam niet opdagen.", "Bezorger reed de tuin in.",
              "Mijn pakket kwijt, bezorger onvindbaar."] * 3
    rows = [row(f"p{i}", title=None, text=t) for i, t in enumerate(public)]
    rows.append(row("happy", title=None, text="Bezorger was heel vriendelijk."))
    rows.append(row("comp", brand="Winkelwagen", text="De prijs is te hoog."))
    labels = {f"p{i}": "neg" for i in range(len(public))} | {"happy": "pos", "comp": "neg"}
    load(config, *rows, labels=labels)
    answers = ["De prijs is te hoog", "Te duur vergeleken met anderen", "Prijs omhoog gegaan, jammer",
               "Klantenservice nam niet op", "Prijzen zijn gestegen", "De prijs is belachelijk",
               "Factuur klopte niet", "Te duur"] * 3
    lines = "".join(f"2026-11-{1 + i % 20:02d},{i % 5},{a}\n" for i, a in enumerate(answers))
    import_survey(config, write(tmp_path / "enquete.csv", "date,score,answer\n" + lines + "2026-11-21,9,Bezorger top\n"))
    refresh_insights(config, FakeScorer(), as_of=AS_OF)

    aspects = {r[0]: r[1:] for r in query(
        config, """SELECT aspect, public_negative_mentions, share_public, survey_unhappy_answers, share_survey,
                          direction, public_examples, survey_examples FROM blind_spot_aspects""")}
    n_pub, share_pub, n_srv, share_srv, direction, examples, _ = aspects["delivery"]
    assert (n_pub, n_srv) == (24, 24), "own brand's negative mentions vs survey answers scoring 0-6"
    assert share_pub == 1.0 and share_srv == 0 and direction == "public_not_survey"
    assert examples and all("ezorg" in e or "akket" in e for e in examples)
    assert aspects["price"][4] == "survey_not_public" and aspects["price"][6]
    assert aspects["app"][4] == "both"

    terms = {r[0]: r[1:] for r in query(
        config, "SELECT surface, direction, public_mentions, survey_answers, z, examples FROM blind_spot_terms")}
    assert terms["bezorger"][:3] == ("public_not_survey", 24, 0) and terms["bezorger"][3] > 1.96
    assert terms["pakket kwijt"][:3] == ("public_not_survey", 9, 0), "9 of 24 against 0 of 24 is a blind spot"
    assert terms["bezorger"][4][0].startswith(("Mijn pakket", "De bezorger", "Bezorger", "Pakket"))
    assert terms["prijs"][0] == "survey_not_public" and terms["prijs"][4], "with survey answers as examples"
    assert "snelkoop" not in terms
