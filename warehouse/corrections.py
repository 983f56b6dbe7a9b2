"""A reputation manager's corrections of sentiment labels: recorded once, honoured everywhere.

A correction is keyed by mention, not by model, so it survives re-scoring and model changes.
It is appended to ``sentiment_correction_log`` with who, when and why (the model label it
overrode too); the view ``sentiment_corrections`` gives the one in force, ``mentions_scored``
and ``daily_sentiment`` count its label instead of the model's, and ``klantstem model adapt``
learns from it with extra weight. Withdrawing a correction appends a row with label NULL.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse import incremental
from warehouse.connection import transaction

LABEL_WORDS = {
    "neg": "neg", "negative": "neg", "negatief": "neg",
    "neu": "neu", "neutral": "neu", "neutraal": "neu",
    "pos": "pos", "positive": "pos", "positief": "pos",
}
#: Shortest mention id prefix accepted (ids are 32 hex digits; a reputation manager copies a few).
MIN_PREFIX = 8


class CorrectionError(ValueError):
    """A correction that cannot be recorded (unknown mention, unknown label, bad file)."""


@dataclass(frozen=True)
class Correction:
    mention_id: str  # full id or a unique prefix of at least MIN_PREFIX characters
    label: str | None  # neg/neu/pos; None withdraws the correction in force
    corrected_by: str
    reason: str | None = None


def parse_label(value: str, where: str = "label") -> str:
    """``neg``/``neu``/``pos`` (also the English and Dutch words) -> ``neg``/``neu``/``pos``."""
    label = LABEL_WORDS.get(value.strip().lower())
    if label is None:
        raise CorrectionError(f"{where}: {value!r} is not a label; use neg, neu or pos")
    return label


def read_corrections_csv(path: Path, corrected_by: str) -> list[Correction]:
    """Rows ``mention_id,label[,reason][,corrected_by]`` (header required); all errors at once."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"mention_id", "label"} - set(reader.fieldnames or [])
            if missing:
                raise CorrectionError(f"{path}: missing column(s) {', '.join(sorted(missing))} "
                                      "(need mention_id,label[,reason][,corrected_by])")
            rows = list(enumerate(reader, start=2))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CorrectionError(f"{path}: cannot read: {exc}") from None
    corrections, problems = [], []
    for line, row in rows:
        try:
            label = parse_label(row.get("label") or "", f"{path}:{line}: label")
        except CorrectionError as exc:
            problems.append(str(exc))
            continue
        mention = (row.get("mention_id") or "").strip()
        if not mention:
            problems.append(f"{path}:{line}: mention_id is empty")
            continue
        corrections.append(Correction(mention, label, (row.get("corrected_by") or "").strip() or corrected_by,
                                      (row.get("reason") or "").strip() or None))
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise CorrectionError("; ".join(problems[:3]) + more)
    return corrections


def _resolve_ids(con: duckdb.DuckDBPyConnection, given: Sequence[str]) -> dict[str, str]:
    """Map each given id or prefix to one mention id; every unknown or ambiguous one is an error."""
    resolved, problems = {}, []
    for value in dict.fromkeys(given):
        if len(value) < MIN_PREFIX:
            problems.append(f"mention id {value!r} is too short (give at least {MIN_PREFIX} characters)")
            continue
        found = [r[0] for r in con.execute(
            "SELECT mention_id FROM mentions WHERE starts_with(mention_id, ?) LIMIT 2", [value]).fetchall()]
        if len(found) != 1:
            problems.append(f"mention id {value!r} " + ("matches several mentions" if found else "is not in the warehouse"))
            continue
        resolved[value] = found[0]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise CorrectionError("; ".join(problems[:3]) + more)
    return resolved


def record(con: duckdb.DuckDBPyConnection, corrections: Sequence[Correction]) -> int:
    """Append corrections (all or none) and update the maintained tables; returns rows recorded.

    The model label being overridden is stored beside each correction, so later one can
    count how often (and where) the model and the people disagreed.
    """
    if not corrections:
        return 0
    ids = _resolve_ids(con, [c.mention_id for c in corrections])
    rows = [(ids[c.mention_id], c.label, c.corrected_by, c.reason) for c in corrections]
    maintained = incremental.is_maintained(con)
    with transaction(con):
        con.execute("CREATE TEMP TABLE incoming_corrections (mention_id VARCHAR, label VARCHAR, "
                    "corrected_by VARCHAR, reason VARCHAR, seq INTEGER)")
        try:
            con.executemany("INSERT INTO incoming_corrections VALUES (?, ?, ?, ?, ?)",
                            [(*row, i) for i, row in enumerate(rows)])
            # Several corrections of one mention in one call: the last one given is in force,
            # so each later one is stamped a microsecond after the one before.
            con.execute(
                """
                INSERT INTO sentiment_correction_log
                    (mention_id, label, corrected_by, corrected_at, reason, model_id, model_label)
                SELECT i.mention_id, i.label, i.corrected_by, now() + to_microseconds(i.seq), i.reason,
                       s.model_id, s.model_sentiment
                FROM incoming_corrections AS i
                LEFT JOIN mentions_scored AS s USING (mention_id)
                ORDER BY i.seq
                """
            )
            if maintained:
                con.execute(
                    """
                    UPDATE current_scores SET corrected_label = k.label
                    FROM (SELECT DISTINCT mention_id FROM incoming_corrections) AS i
                    LEFT JOIN sentiment_corrections AS k USING (mention_id)
                    WHERE current_scores.mention_id = i.mention_id
                    """
                )
                days = {r[0] for r in con.execute(
                    "SELECT DISTINCT c.day FROM current_scores AS c JOIN incoming_corrections USING (mention_id)"
                ).fetchall() if r[0] is not None}
                incremental.refresh_days(con, days)
        finally:
            con.execute("DROP TABLE IF EXISTS incoming_corrections")
    return len(rows)
