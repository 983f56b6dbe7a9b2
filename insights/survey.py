"""Importing the company's own survey results (CSV or XLSX) for the blind-spot report.

Columns (header row, any order, case-insensitive, Dutch names accepted):

=========  ==============================  =============================================
column     also accepted                    content
=========  ==============================  =============================================
date       datum                            2026-11-03, 03-11-2026, 3/11/2026 (day first),
                                            or a date/datetime cell in Excel
score      cijfer, nps, rapportcijfer       whole number 0-10 ("8", "8,0" and 8.0 are fine)
answer     antwoord, toelichting,           the open answer; may be empty
           opmerking, comment
segment    (optional)                       e.g. "zakelijk", "particulier"
id         response_id, respondent_id       (optional) the survey tool's response id
=========  ==============================  =============================================

Other columns are ignored. A file that cannot be read (encoding, header) is refused with
one line naming the file. A row that cannot be read is skipped and reported as
``row N, column C: problem`` (row as a spreadsheet shows it: header = row 1) while the good
rows are stored: importing is idempotent, so the fixed file imported again adds exactly the
fixed rows. A file with no good row at all is refused.

An answer's key is the survey tool's response id, or else the survey it belongs to (by
default the file name; ``--survey NAME`` for a longer export of an earlier file), its
content (date, score, answer, segment) and how often that exact content occurs in the file.
So importing the same file twice stores each answer once, and two surveys whose answers
happen to read the same (same day, same score, no comment) are both kept. An import that
repeats answers of another survey says so, in case the file was a longer export of it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from insights.aspects import AspectTagger
from insights.db import insert_table
from insights.reference import prepare_insights
from insights.tagging import brand_words
from insights.text import fold, terms
from klantstem.config import MonitorConfig
from klantstem.limits import MAX_STORED_CHARS
from warehouse.connection import connect, transaction

COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "datum"),
    "score": ("score", "cijfer", "nps", "rapportcijfer"),
    "answer": ("answer", "antwoord", "toelichting", "opmerking", "comment"),
    "segment": ("segment",),
    "id": ("id", "response_id", "respondent_id"),
}
REQUIRED = ("date", "score", "answer")
_DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T].*)?$")


class SurveyImportError(ValueError):
    """A survey file that cannot be imported; ``str()`` is one line naming file, row and column."""


@dataclass(frozen=True)
class SurveyAnswer:
    row: int
    answered_on: date
    score: int
    answer: str
    segment: str | None
    response_id: str | None


@dataclass(frozen=True)
class SurveyRows:
    """What a file held: the answers that could be read and, per bad row, why not."""

    answers: list[SurveyAnswer]
    rejects: list[str]
    cut: int = 0  # answers longer than MAX_STORED_CHARS, stored cut


@dataclass(frozen=True)
class SurveyImport:
    file: Path
    rows: int
    new: int
    rejects: tuple[str, ...] = ()
    cut: int = 0
    #: Earlier surveys (source file names) with id-less answers identical to new ones here.
    repeats: tuple[tuple[str, int], ...] = ()

    @property
    def already_imported(self) -> int:
        return self.rows - self.new

    def describe(self) -> str:
        line = f"{self.file}: {self.rows} answers read, {self.new} new, {self.already_imported} already imported"
        if self.rejects:
            line += f", {len(self.rejects)} rows skipped"
        if self.cut:
            line += f", {self.cut} answers cut to {MAX_STORED_CHARS:,} characters"
        return line

    def notes(self) -> list[str]:
        """One line per skipped row, and per earlier survey whose answers this file repeats."""
        lines = [f"{self.file}: skipped {reject}" for reject in self.rejects]
        for name, count in self.repeats:
            lines.append(
                f"{self.file}: {count} new answers read exactly like answers imported from {name}; if this file "
                f"is a longer export of that survey, import it with --survey {name!r} instead"
            )
        return lines


def _header_key(value: Any) -> str:
    return fold(str(value or "")).strip().lstrip("\ufeff").replace(" ", "_")


def _map_header(path: Path, header: list[Any]) -> dict[str, int]:
    aliases = {alias: column for column, names in COLUMNS.items() for alias in names}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = aliases.get(_header_key(cell))
        if column is None:
            continue
        if column in found:
            raise SurveyImportError(
                f"{path}: row 1 (header), column {cell!s}: a second '{column}' column "
                f"(also in column {found[column] + 1}); keep one"
            )
        found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        present = ", ".join(str(h) for h in header if str(h or "").strip()) or "nothing"
        raise SurveyImportError(
            f"{path}: row 1 (header): missing column '{missing[0]}' (found: {present}); "
            "expected date, score, answer and optionally segment, id"
        )
    return found


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise ValueError("empty; every answer needs a date")
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day)
        except ValueError:
            pass
    else:
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (use 2026-11-30 or 30-11-2026)")


def _parse_score(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a score 0-10")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError("empty; every answer needs a score 0-10")
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise ValueError(f"{text!r} is not a number 0-10") from None
    if number != int(number) or not 0 <= number <= 10:
        raise ValueError(f"{value!r} is not a whole number 0-10")
    return int(number)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV" on Dutch Windows)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise SurveyImportError(
            f"{path}: neither UTF-8 nor Windows-1252 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "save the export as CSV UTF-8"
        ) from None


def _rows_csv(path: Path) -> list[tuple[int, list[Any]]]:
    raw = path.read_bytes()
    text = _decode(path, raw)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # csv refuses fields over 128 KiB by default; no field can be longer than the file.
    limit = csv.field_size_limit()
    csv.field_size_limit(min(max(limit, len(text) + 1), sys.maxsize))
    try:
        return [(n, row) for n, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise SurveyImportError(f"{path}: not a readable CSV file (line {reader.line_num}: {exc})") from None
    finally:
        csv.field_size_limit(limit)


def _rows_xlsx(path: Path, sheet: str | None) -> list[tuple[int, list[Any]]]:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise SurveyImportError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl)") from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise SurveyImportError(f"{path}: not a readable .xlsx file ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise SurveyImportError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet else book.worksheets[0]
        return [(n, list(row)) for n, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def parse_survey(path: Path | str, sheet: str | None = None) -> SurveyRows:
    """The answers of a survey file and a reason per row that cannot be read.

    Raises :class:`SurveyImportError` when the file as a whole cannot be used (not found,
    unknown type, encoding, header) or holds no good answer.
    """
    path = Path(path)
    if not path.is_file():
        raise SurveyImportError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _rows_xlsx(path, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _rows_csv(path)
    else:
        raise SurveyImportError(f"{path}: unknown file type {suffix or '(none)'!r}; use .csv or .xlsx")
    rows = [(n, r) for n, r in rows if any(str(c).strip() for c in r if c is not None)]
    if not rows:
        raise SurveyImportError(f"{path}: empty file (expected a header row with date, score, answer)")
    (_, header), body = rows[0], rows[1:]
    columns = _map_header(path, header)
    names = {index: str(header[index]).strip() for index in columns.values()}
    answers: list[SurveyAnswer] = []
    errors: list[str] = []
    cut = 0
    for number, row in body:
        def cell(column: str) -> Any:
            index = columns.get(column)
            return row[index] if index is not None and index < len(row) else None

        parsed: dict[str, Any] = {}
        for column, parse in (("date", _parse_date), ("score", _parse_score)):
            try:
                parsed[column] = parse(cell(column))
            except ValueError as exc:
                errors.append(f"row {number}, column {names[columns[column]]}: {exc}")
        if len(parsed) < 2:
            continue
        answer = _text(cell("answer"))
        if len(answer) > MAX_STORED_CHARS:
            answer, cut = answer[: MAX_STORED_CHARS - 1] + "…", cut + 1
        answers.append(
            SurveyAnswer(
                row=number,
                answered_on=parsed["date"],
                score=parsed["score"],
                answer=answer,
                segment=_text(cell("segment")) or None,
                response_id=_text(cell("id")) or None,
            )
        )
    if not answers:
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise SurveyImportError(f"{path}: no readable answer: {errors[0]}{more}")
        raise SurveyImportError(f"{path}: no answers below the header")
    return SurveyRows(answers, errors, cut)


def read_survey(path: Path | str, sheet: str | None = None) -> list[SurveyAnswer]:
    """Parse and validate a survey file, strictly: any bad row refuses the file
    (:class:`SurveyImportError`, one line: the first problem and how many more)."""
    read = parse_survey(path, sheet)
    if read.rejects:
        more = f" (and {len(read.rejects) - 1} more)" if len(read.rejects) > 1 else ""
        raise SurveyImportError(f"{path}: {read.rejects[0]}{more}")
    return read.answers


def answer_ids(answers: list[SurveyAnswer], survey: str = "") -> list[str]:
    """Stable keys: the response id when the file has one, else survey + content + occurrence."""
    seen: Counter[tuple[Any, ...]] = Counter()
    ids = []
    for a in answers:
        if a.response_id:
            key = f"id|{a.response_id}"
        else:
            content = (a.answered_on.isoformat(), a.score, a.answer, a.segment or "")
            seen[content] += 1
            key = f"survey|{survey}|" + "|".join(str(c) for c in content) + f"|{seen[content]}"
        ids.append(hashlib.md5(key.encode("utf-8")).hexdigest())
    return ids


def _tag_answers(tagger: AspectTagger, items: list[tuple[str, str]], stop: frozenset[str]) -> tuple[pa.Table, pa.Table]:
    aspects: dict[str, list[str]] = {"answer_id": [], "aspect": [], "term": []}
    found_terms: dict[str, list[str]] = {"answer_id": [], "term": [], "surface": []}
    for answer_id, text in items:
        per_answer: dict[str, str] = {}
        for sentence in tagger.tag_text(text):
            for aspect, term in sentence.aspects.items():
                per_answer.setdefault(aspect, term)
        for aspect, term in per_answer.items():
            aspects["answer_id"].append(answer_id)
            aspects["aspect"].append(aspect)
            aspects["term"].append(term)
        for key, surface in terms(text, stop).items():
            found_terms["answer_id"].append(answer_id)
            found_terms["term"].append(key)
            found_terms["surface"].append(surface)
    return pa.Table.from_pydict(aspects), pa.Table.from_pydict(found_terms)


def import_survey(
    config: MonitorConfig, path: Path | str, sheet: str | None = None, survey: str | None = None
) -> SurveyImport:
    """Store the readable answers of ``path`` not stored yet, tagged with aspects and terms.

    ``survey`` names the survey that answers without a response id belong to (default: the
    file name); give an earlier file's name to import a longer export of the same survey.
    """
    path = Path(path)
    read = parse_survey(path, sheet)
    answers = read.answers
    ids = answer_ids(answers, survey or path.name)
    own = [b.name for b in config.brands if b.own]
    tagger = prepare_insights(config).for_survey(config)
    first: dict[str, int] = {}
    for i, answer_id in enumerate(ids):
        first.setdefault(answer_id, i)  # a response id twice in one file: the first row counts
    unique = [(answer_id, answers[i]) for answer_id, i in first.items()]
    table = pa.Table.from_pydict(
        {
            "answer_id": [i for i, _ in unique],
            "brand": [own[0] if own else None] * len(unique),
            "answered_on": [a.answered_on for _, a in unique],
            "score": [a.score for _, a in unique],
            "answer": [a.answer for _, a in unique],
            "segment": [a.segment for _, a in unique],
            "source_file": [path.name] * len(unique),
            "source_row": [a.row for _, a in unique],
            "tagger_version": [tagger.version] * len(unique),
        },
        schema=pa.schema(
            [("answer_id", pa.string()), ("brand", pa.string()), ("answered_on", pa.date32()),
             ("score", pa.int32()), ("answer", pa.string()), ("segment", pa.string()),
             ("source_file", pa.string()), ("source_row", pa.int32()), ("tagger_version", pa.string())]
        ),
    )
    with connect(config.warehouse.path, timeout_s=config.warehouse.lock_timeout_s) as con:
        existing = {r[0] for r in con.execute("SELECT answer_id FROM survey_answers").fetchall()}
        keep = [i not in existing for i in table.column("answer_id").to_pylist()]
        new = table.filter(pa.array(keep, type=pa.bool_()))
        repeats = _repeated_elsewhere(con, [a for (_, a), k in zip(unique, keep, strict=True) if k], path.name)
        aspects, found_terms = _tag_answers(
            tagger, [(i, a.answer) for (i, a), k in zip(unique, keep, strict=True) if k], brand_words(config)
        )
        with transaction(con):
            insert_table(con, "survey_answers", new, extra={"imported_at": "now()"})
            insert_table(con, "survey_aspects", aspects)
            insert_table(con, "survey_terms", found_terms)
    return SurveyImport(path, len(answers), new.num_rows, tuple(read.rejects), read.cut, repeats)


def _repeated_elsewhere(con: Any, answers: list[SurveyAnswer], file_name: str) -> tuple[tuple[str, int], ...]:
    """Per earlier file: how many of ``answers`` (new, without response id) read exactly like one of its."""
    plain = [a for a in answers if not a.response_id]
    if not plain:
        return ()
    rows = pa.table({
        "answered_on": pa.array([a.answered_on for a in plain], pa.date32()),
        "score": pa.array([a.score for a in plain], pa.int32()),
        "answer": [a.answer for a in plain],
        "segment": [a.segment for a in plain],
    })
    con.register("incoming_answers", rows)
    try:
        found = con.execute(
            """
            SELECT s.source_file, count(*) FROM incoming_answers AS i
            JOIN (SELECT DISTINCT source_file, answered_on, score, answer, segment FROM survey_answers) AS s
              ON s.answered_on = i.answered_on AND s.score = i.score AND s.answer = i.answer
             AND s.segment IS NOT DISTINCT FROM i.segment
            WHERE s.source_file <> ? GROUP BY s.source_file ORDER BY 2 DESC, 1
            """,
            [file_name],
        ).fetchall()
    finally:
        con.unregister("incoming_answers")
    return tuple((str(name), int(count)) for name, count in found)


def retag_survey_answers(config: MonitorConfig, tagger: AspectTagger) -> int:
    """Tag again the survey answers tagged by an older term list; returns how many."""
    path, timeout = config.warehouse.path, config.warehouse.lock_timeout_s
    with connect(path, timeout_s=timeout) as con:
        stale = con.execute(
            "SELECT answer_id, answer FROM survey_answers WHERE tagger_version IS DISTINCT FROM ?", [tagger.version]
        ).fetchall()
        if not stale:
            return 0
        aspects, found_terms = _tag_answers(tagger, stale, brand_words(config))
        ids = pa.table({"answer_id": [s[0] for s in stale]})
        con.register("stale_answers", ids)
        try:
            with transaction(con):
                for table in ("survey_aspects", "survey_terms"):
                    con.execute(f"DELETE FROM {table} WHERE answer_id IN (SELECT answer_id FROM stale_answers)")
                insert_table(con, "survey_aspects", aspects)
                insert_table(con, "survey_terms", found_terms)
                con.execute(
                    "UPDATE survey_answers SET tagger_version = ? WHERE answer_id IN (SELECT answer_id FROM stale_answers)",
                    [tagger.version],
                )
        finally:
            con.unregister("stale_answers")
    return len(stale)
