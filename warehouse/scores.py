"""Which mentions still need a sentiment score, and storing the scores.

A mention needs scoring when it has no score from the current model, or when its text
changed since it was scored (``text_md5``). So switching the model id re-scores
everything, and re-running a day scores nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

# What the model reads: the title carries much of a review's verdict ("Nooit meer!").
_TEXT_SQL = "concat_ws('. ', nullif(trim(m.title), ''), m.text)"

SCORE_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()),
        ("model_id", pa.string()),
        ("text_md5", pa.string()),
        ("label", pa.string()),
        ("score", pa.float64()),
        ("p_neg", pa.float64()),
        ("p_neu", pa.float64()),
        ("p_pos", pa.float64()),
        ("language", pa.string()),
    ]
)


@dataclass(frozen=True)
class PendingText:
    mention_id: str
    text: str
    text_md5: str


def pending_texts(con: duckdb.DuckDBPyConnection, model_id: str) -> list[PendingText]:
    """Mentions without a score from ``model_id`` for their current text, oldest first."""
    rows = con.execute(
        f"""
        SELECT m.mention_id, {_TEXT_SQL} AS body, md5({_TEXT_SQL}) AS body_md5
        FROM mentions AS m
        LEFT JOIN sentiment_scores AS s ON s.mention_id = m.mention_id AND s.model_id = ?
        WHERE s.mention_id IS NULL OR s.text_md5 <> md5({_TEXT_SQL})
        ORDER BY m.published_at, m.mention_id
        """,
        [model_id],
    ).fetchall()
    return [PendingText(*row) for row in rows]


def store_scores(con: duckdb.DuckDBPyConnection, scores: pa.Table) -> int:
    """Upsert one batch of scores (``SCORE_SCHEMA``) in one transaction; returns rows stored."""
    scores = scores.select(SCORE_SCHEMA.names).cast(SCORE_SCHEMA)
    con.register("incoming_scores", scores)
    try:
        con.execute(
            """
            INSERT INTO sentiment_scores
                (mention_id, model_id, text_md5, label, score, p_neg, p_neu, p_pos, language, scored_at)
            SELECT mention_id, model_id, text_md5, label, score, p_neg, p_neu, p_pos, language, now()
            FROM incoming_scores
            ON CONFLICT (mention_id, model_id) DO UPDATE SET
                text_md5 = excluded.text_md5, label = excluded.label, score = excluded.score,
                p_neg = excluded.p_neg, p_neu = excluded.p_neu, p_pos = excluded.p_pos,
                language = excluded.language, scored_at = excluded.scored_at
            """
        )
    finally:
        con.unregister("incoming_scores")
    return scores.num_rows
