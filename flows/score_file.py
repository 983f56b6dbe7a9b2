"""``klantstem score FILE``: score a survey export or ticket dump with the pipeline's own model.

Reads CSV, JSONL or XLSX, scores one text column (or several joined, e.g. title and body)
with :func:`flows.steps.configured_scorer` (the same scorer the daily run uses, adapted head
included) and writes the rows back with label, probabilities, score, language and model id.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klantstem.config import MonitorConfig

FORMATS = (".csv", ".jsonl", ".xlsx")
OUTPUT_COLUMNS = ("sentiment_label", "sentiment_score", "p_neg", "p_neu", "p_pos", "language", "model_id")


class ScoreFileError(ValueError):
    """The file cannot be read or lacks the text column."""


@dataclass(frozen=True)
class ScoreFileResult:
    out: Path
    rows: int
    empty: int
    model_id: str
    labels: Counter[str]

    def describe(self) -> str:
        scored = self.rows - self.empty
        shares = ", ".join(f"{100 * self.labels[k] / scored:.0f}% {k}" for k in ("neg", "neu", "pos")) if scored else "-"
        return (f"scored {scored:,} texts ({self.empty:,} empty rows left neutral) with {self.model_id}: {shares}; "
                f"written to {self.out}")


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ScoreFileError(f"{path}: unsupported format {suffix or '(none)'}; use {', '.join(FORMATS)}")
    return suffix


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The file's rows as dicts (header row / JSON keys as column names)."""
    kind = _format(path)
    if not path.is_file():
        raise ScoreFileError(f"{path}: file not found")
    try:
        if kind == ".csv":
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")  # Excel's "CSV" on Dutch Windows
            header = text.split("\n", 1)[0]  # Excel writes ';' where ',' is the decimal sign
            delimiter = max(",;\t", key=header.count)
            return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
        if kind == ".jsonl":
            rows = []
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if line.strip():
                    value = json.loads(line)
                    if not isinstance(value, dict):
                        raise ScoreFileError(f"{path}:{n}: each line must be a JSON object")
                    rows.append(value)
            return rows
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        if not values:
            return []
        header = [str(h).strip() if h is not None else f"column_{i + 1}" for i, h in enumerate(values[0])]
        return [dict(zip(header, row, strict=False)) for row in values[1:] if any(v is not None for v in row)]
    except ScoreFileError:
        raise
    except (OSError, UnicodeDecodeError, csv.Error, json.JSONDecodeError, ValueError, KeyError) as exc:
        raise ScoreFileError(f"{path}: cannot read: {exc}") from None


def texts_of(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path) -> list[str]:
    """The text to score per row: the named columns joined with '. ' (blank ones skipped)."""
    known = list(rows[0]) if rows else []
    missing = [c for c in columns if c not in known]
    if missing:
        raise ScoreFileError(f"{path}: no column {', '.join(map(repr, missing))}; columns are "
                             f"{', '.join(map(repr, known)) or '(none)'} (choose with --text-column)")
    return [". ".join(str(r[c]).strip() for c in columns if r.get(c) is not None and str(r[c]).strip())
            for r in rows]


def write_rows(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    kind = _format(path)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    elif kind == ".jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("scored")
        sheet.append(columns)
        for r in rows:
            sheet.append([r.get(c) for c in columns])
        book.save(path)


def default_output(path: Path) -> Path:
    return path.with_name(f"{path.stem}.scored{path.suffix}")


def score_file(config: MonitorConfig, path: Path, *, text_columns: Sequence[str] = ("text",),
               out: Path | None = None, progress: bool = False) -> ScoreFileResult:
    """Score every row of ``path`` and write them to ``out`` (default ``<name>.scored.<ext>``)."""
    from flows.steps import configured_scorer

    out = out or default_output(path)
    _format(out)
    rows = read_rows(path)
    texts = texts_of(rows, text_columns, path) if rows else []
    scorer = configured_scorer(config)
    scores = scorer.score(texts, progress=progress)
    labels: Counter[str] = Counter()
    empty = 0
    for row, text, s in zip(rows, texts, scores, strict=True):
        empty += not text
        labels[s.label] += bool(text)
        row.update(zip(OUTPUT_COLUMNS, (s.label, round(s.score, 4), round(s.p_neg, 4), round(s.p_neu, 4),
                                        round(s.p_pos, 4), s.language, scorer.model_id), strict=True))
    write_rows(out, rows)
    return ScoreFileResult(out, len(rows), empty, scorer.model_id, labels)
