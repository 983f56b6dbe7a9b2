"""Which sentiment model scores: the configured one, or the head `model adapt` accepted for it.

``sentiment_models`` (migration 006) records every adapted head with its cross-fitted
comparison; at most one is active. Every step that loads a scorer (mentions, aspect
sentences, ``klantstem score``) asks :func:`scoring_model` so they all use the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.connection import connect, transaction
from warehouse.incremental import text_sql


@dataclass(frozen=True)
class AdaptedModel:
    model_id: str
    base_model_id: str
    head_path: Path
    n_reviews: int
    n_corrections: int
    base_accuracy: float
    adapted_accuracy: float
    base_macro_f1: float
    adapted_macro_f1: float
    accepted: bool


def _base_name(model_id: str) -> str:
    return model_id.split("@", 1)[0]


def active_head(con: duckdb.DuckDBPyConnection, configured: str) -> Path | None:
    """The active adapted head for the configured model name, if its file is still there."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'sentiment_models'").fetchall()[0][0]:
        return None
    for base_model_id, head_path in con.execute(
            "SELECT base_model_id, head_path FROM sentiment_models WHERE active ORDER BY created_at DESC").fetchall():
        if _base_name(base_model_id) == configured and Path(head_path).is_file():
            return Path(head_path)
    return None


def scoring_model(warehouse: Path, configured: str, *, use_adapted: bool = True, timeout_s: float = 300.0) -> str:
    """The model spec to load: the active adapted head of ``configured``, else ``configured``."""
    if not use_adapted or not warehouse.exists():
        return configured
    with connect(warehouse, read_only=True, timeout_s=timeout_s) as con:
        head = active_head(con, configured)
    return str(head) if head is not None else configured


def ever_adapted(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `model adapt` has stored a head here, accepted or not."""
    return bool(con.execute("SELECT count(*) FROM sentiment_models").fetchall()[0][0])


def clear_rated_reviews(con: duckdb.DuckDBPyConnection, negative_at_most: float, positive_at_least: float) -> int:
    """Reviews whose stars give a clear verdict (normalised rating at or below ``negative_at_most`` or at
    or above ``positive_at_least``): what `model adapt` measures its gain on."""
    return int(con.execute(
        """SELECT count(*) FROM mentions WHERE kind = 'review'
           AND (rating_normalised <= $neg OR rating_normalised >= $pos)""",
        {"neg": negative_at_most, "pos": positive_at_least},
    ).fetchall()[0][0])


def record_adapted(con: duckdb.DuckDBPyConnection, model: AdaptedModel, *, activate: bool) -> None:
    """Store an adapted head's comparison; make it the only active one when ``activate``."""
    with transaction(con):
        if activate:
            con.execute("UPDATE sentiment_models SET active = false WHERE active")
        con.execute(
            """INSERT OR REPLACE INTO sentiment_models VALUES (?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?)""",
            [model.model_id, model.base_model_id, str(model.head_path), model.n_reviews, model.n_corrections,
             model.base_accuracy, model.adapted_accuracy, model.base_macro_f1, model.adapted_macro_f1,
             model.accepted, activate],
        )


def deactivate_all(con: duckdb.DuckDBPyConnection) -> int:
    """Go back to the configured model (``klantstem model adapt --reset``); returns heads deactivated."""
    with transaction(con):
        n = con.execute("SELECT count(*) FROM sentiment_models WHERE active").fetchall()[0][0]
        con.execute("UPDATE sentiment_models SET active = false WHERE active")
    return int(n)


@dataclass(frozen=True)
class Example:
    """A text `model adapt` learns from: a rated review, or any mention a person corrected."""

    mention_id: str
    text: str  # what the model reads (title + text)
    rating_normalised: float | None
    author: str | None  # pseudonym: one person's reviews stay in one cross-fitting fold
    corrected_label: str | None


def adaptation_examples(con: duckdb.DuckDBPyConnection, brand: str | None = None) -> list[Example]:
    """Rated reviews (any brand, or one) and corrected mentions, oldest first."""
    rows = con.execute(
        f"""
        SELECT m.mention_id, {text_sql("m")} AS body, m.rating_normalised, m.author, k.label
        FROM mentions AS m
        LEFT JOIN sentiment_corrections AS k USING (mention_id)
        WHERE ((m.kind = 'review' AND m.rating_normalised IS NOT NULL) OR k.label IS NOT NULL)
          AND ($brand IS NULL OR m.brand = $brand)
        ORDER BY m.published_at, m.mention_id
        """,
        {"brand": brand},
    ).fetchall()
    return [Example(*row) for row in rows if row[1].strip()]
