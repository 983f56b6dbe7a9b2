"""Which mentions still need a sentiment score, and storing the scores.

A mention needs scoring when it has no score from the current model, or when its text
changed since it was scored (``text_md5``). So switching the model id re-scores
everything, and re-running a day scores nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import duckdb
import pyarrow as pa

from klantstem.limits import MAX_SCORED_CHARS
from warehouse import incremental
from warehouse.connection import rollback_quietly
from warehouse.duplicates import flag_near_duplicates
from warehouse.embeddings import has_embeddings_table, insert_embeddings

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


class _ScoreLike(Protocol):
    label: str
    score: float
    p_neg: float
    p_neu: float
    p_pos: float
    language: str | None


def score_table(model_id: str, keys: Sequence[tuple[str, str]], scores: Sequence[_ScoreLike]) -> pa.Table:
    """``SCORE_SCHEMA`` rows from ``(mention_id, text_md5)`` keys and the scorer's results, in order."""
    return pa.Table.from_pylist(
        [{"mention_id": mention_id, "model_id": model_id, "text_md5": md5, "label": s.label, "score": s.score,
          "p_neg": s.p_neg, "p_neu": s.p_neu, "p_pos": s.p_pos, "language": s.language}
         for (mention_id, md5), s in zip(keys, scores, strict=True)],
        schema=SCORE_SCHEMA,
    )


@dataclass(frozen=True)
class PendingText:
    mention_id: str
    text: str  # what the model reads: the first MAX_SCORED_CHARS characters of title + text
    text_md5: str  # of the whole text, so an edit anywhere re-scores
    cut: bool = False  # the text is longer than what the model is given


def pending_texts(con: duckdb.DuckDBPyConnection, model_id: str) -> list[PendingText]:
    """Mentions without a score from ``model_id`` for their current text, oldest first.

    The model is given at most ``MAX_SCORED_CHARS`` characters of each (``cut`` says where
    that bit): it reads a few hundred tokens anyway, and a megabyte of text would otherwise
    cost minutes of tokenising and chunking for nothing.

    While the maintained tables are in sync, ``current_scores`` answers this without hashing
    every text in the warehouse: only mentions without a current score, or whose text changed
    since, or whose current score is another model's (after a model change) are looked at.
    """
    if incremental.is_maintained(con) and incremental.sync_status(con).in_sync:
        return _pending_from_current_scores(con, model_id)
    rows = con.execute(
        f"""
        SELECT m.mention_id, left({_TEXT_SQL}, {MAX_SCORED_CHARS}) AS body, md5({_TEXT_SQL}) AS body_md5,
               length({_TEXT_SQL}) > {MAX_SCORED_CHARS} AS cut
        FROM mentions AS m
        LEFT JOIN sentiment_scores AS s ON s.mention_id = m.mention_id AND s.model_id = ?
        WHERE s.mention_id IS NULL OR s.text_md5 <> md5({_TEXT_SQL})
        ORDER BY m.published_at, m.mention_id
        """,
        [model_id],
    ).fetchall()
    return [PendingText(*row) for row in rows]


def store_scores(con: duckdb.DuckDBPyConnection, scores: pa.Table, embeddings: pa.Table | None = None) -> int:
    """Upsert one batch of scores (``SCORE_SCHEMA``) in one transaction; returns rows stored.

    The mentions' current scores and their days' aggregates are updated in the same
    transaction (``warehouse/incremental.py``), and so are the texts' sentence embeddings
    (``warehouse.embeddings.EMBEDDING_SCHEMA``, when given) and the near-duplicates they
    reveal: a score is never visible without its vector."""
    scores = scores.select(SCORE_SCHEMA.names).cast(SCORE_SCHEMA)
    maintained = incremental.is_maintained(con)
    keep_vectors = embeddings is not None and embeddings.num_rows > 0 and has_embeddings_table(con)
    if keep_vectors:
        con.register("incoming_embeddings", embeddings)
    con.register("incoming_scores", scores)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            before = con.execute("SELECT count(*) FROM sentiment_scores").fetchall()[0][0]
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
            if maintained:
                new = con.execute("SELECT count(*) FROM sentiment_scores").fetchall()[0][0] - before
                incremental.after_scores_stored(con, "incoming_scores", new)
            if keep_vectors:
                insert_embeddings(con, "incoming_embeddings", of_mention=True)
                flag_near_duplicates(con, "incoming_scores")
            con.execute("COMMIT")
        except Exception:
            rollback_quietly(con)
            raise
    finally:
        con.unregister("incoming_scores")
        if keep_vectors:
            con.unregister("incoming_embeddings")
    return scores.num_rows


def _pending_from_current_scores(con: duckdb.DuckDBPyConnection, model_id: str) -> list[PendingText]:
    # Joining on published_at as well lets DuckDB skip the parts of ``mentions`` outside the
    # candidates' time range (it pushes the candidates' min/max into the scan).
    select = f"""
        SELECT m.mention_id, {_TEXT_SQL} AS body, c.text_md5 AS body_md5, m.published_at
        FROM current_scores AS c
        JOIN mentions AS m ON m.mention_id = c.mention_id AND m.published_at = c.published_at
    """
    # A text changed since it was scored was loaded after it: changed_at > scored_at. That
    # timestamp comparison discards almost every row before any md5 is compared.
    parts = [
        f"""{select} WHERE (c.scored_at IS NULL OR c.changed_at IS NULL OR c.changed_at > c.scored_at)
            AND (c.model_id IS NULL OR (c.model_id = $model AND c.scored_md5 IS DISTINCT FROM c.text_md5))"""
    ]
    others = con.execute(
        "SELECT count(*) FROM current_scores WHERE model_id IS NOT NULL AND model_id <> $model", {"model": model_id}
    ).fetchall()[0][0]
    if others:  # current score from another model: this model may still have one (rare: after a model change)
        parts.append(
            f"""{select}
            LEFT JOIN sentiment_scores AS s ON s.mention_id = c.mention_id AND s.model_id = $model
            WHERE c.model_id <> $model AND (s.mention_id IS NULL OR s.text_md5 <> c.text_md5)"""
        )
    rows = con.execute(
        f"SELECT mention_id, left(body, {MAX_SCORED_CHARS}), body_md5, length(body) > {MAX_SCORED_CHARS} "
        f"FROM ({' UNION ALL '.join(parts)}) ORDER BY published_at, mention_id",
        {"model": model_id},
    ).fetchall()
    return [PendingText(*row) for row in rows]
