"""Near-duplicate mentions: one review text posted several times or under several brands.

A copy-paste campaign (or a batch of fake reviews) is one voice, not twenty; counted as
twenty it makes a spike. When a batch of scores and embeddings is stored, every new mention
is compared with the mentions published within ``WINDOW_DAYS`` of it (same model, and the
same index list once there is one, ``warehouse/embeddings.py``): a pair whose embeddings are
at least ``SIMILARITY`` alike and that shares at least ``WORD_OVERLAP`` of its words is
written to ``near_duplicates``, the later one as the copy. Both are needed: e5 puts two
different reviews that share one of their two sentences above 0.98, and two texts with the
same words can mean different things. Identical texts share one stored vector (similarity 1).
Short texts are never copies: "Top service!" is written by many people independently
(``MIN_CHARS``).

The view ``mention_copies`` lists each copy with its earliest original; the spike rules
leave copies out of their counts (``alerts/history.py``).
"""

from __future__ import annotations

import duckdb

#: Cosine similarity of e5 embeddings from which two texts may be the same text (a few words
#: changed, punctuation, case, sentences swapped); reworded complaints about the same problem
#: are around 0.90-0.97 (tests/insights/test_meaning_model.py holds examples on both sides).
SIMILARITY = 0.98
#: Shared distinct words / all distinct words of the two texts (Jaccard) from which they are copies.
WORD_OVERLAP = 0.85
#: Texts shorter than this (title + text, characters) are never flagged.
MIN_CHARS = 60
#: Copies are looked for among mentions published at most this many days apart.
WINDOW_DAYS = 30

# The distinct lower-cased words of a mention (title and text).
_WORDS = "list_distinct(regexp_extract_all(lower(concat_ws(' ', {m}.title, {m}.text)), '\\w+'))"


def flag_near_duplicates(con: duckdb.DuckDBPyConnection, incoming: str) -> int:
    """Record the near-duplicate pairs the mentions of the registered relation ``incoming``
    (``mention_id``, ``model_id``, ``text_md5``) form with stored mentions. Runs inside the
    caller's transaction, after the batch's scores and embeddings were written. Returns the
    pairs added. The batch's earlier pairs are dropped first: a mention scored again has a new
    text (or a new model), and whether it is a copy is decided again."""
    con.execute(f"""DELETE FROM near_duplicates
                    WHERE mention_id IN (SELECT mention_id FROM {incoming})
                       OR original_id IN (SELECT mention_id FROM {incoming})""")
    before = con.execute("SELECT count(*) FROM near_duplicates").fetchall()[0][0]
    con.execute(
        f"""
        INSERT INTO near_duplicates (mention_id, original_id, similarity, found_at)
        WITH new AS (
            SELECT s.mention_id, s.model_id, m.published_at, e.embedding, e.list_id
            FROM {incoming} AS s
            JOIN text_embeddings AS e ON e.text_md5 = s.text_md5 AND e.model_id = s.model_id
            JOIN mentions AS m ON m.mention_id = s.mention_id
            WHERE length(concat_ws('. ', nullif(trim(m.title), ''), m.text)) >= {MIN_CHARS}
        ), span AS (
            SELECT min(published_at) - INTERVAL {WINDOW_DAYS} DAY AS lo,
                   max(published_at) + INTERVAL {WINDOW_DAYS} DAY AS hi FROM new
        ), vectors AS (  -- the stored mentions near the batch in time: the rest of the file is skipped
            SELECT s.mention_id, s.model_id, m.published_at, e.embedding, e.list_id
            FROM mentions AS m
            CROSS JOIN span
            JOIN sentiment_scores AS s ON s.mention_id = m.mention_id
            JOIN text_embeddings AS e ON e.text_md5 = s.text_md5 AND e.model_id = s.model_id
            WHERE m.published_at BETWEEN span.lo AND span.hi
              AND s.model_id IN (SELECT DISTINCT model_id FROM new)
              AND length(concat_ws('. ', nullif(trim(m.title), ''), m.text)) >= {MIN_CHARS}
        ), close AS (
            SELECT n.mention_id AS a, n.published_at AS a_at, o.mention_id AS b, o.published_at AS b_at,
                   array_inner_product(n.embedding, o.embedding) AS similarity
            FROM new AS n
            JOIN vectors AS o ON o.model_id = n.model_id AND o.mention_id <> n.mention_id
                 AND (n.list_id IS NULL OR o.list_id IS NULL OR o.list_id = n.list_id)
            WHERE abs(epoch(o.published_at) - epoch(n.published_at)) <= {WINDOW_DAYS} * 86400
              AND array_inner_product(n.embedding, o.embedding) >= {SIMILARITY}
        ), worded AS (
            SELECT c.*, {_WORDS.format(m="ma")} AS wa, {_WORDS.format(m="mb")} AS wb
            FROM close AS c JOIN mentions AS ma ON ma.mention_id = c.a JOIN mentions AS mb ON mb.mention_id = c.b
        ), pairs AS (
            SELECT * FROM worded
            WHERE len(list_intersect(wa, wb)) >= {WORD_OVERLAP} * len(list_distinct(list_concat(wa, wb)))
        ), ordered AS (
            SELECT CASE WHEN (a_at, a) > (b_at, b) THEN a ELSE b END AS mention_id,
                   CASE WHEN (a_at, a) > (b_at, b) THEN b ELSE a END AS original_id,
                   max(similarity) AS similarity
            FROM pairs GROUP BY ALL
        )
        SELECT o.mention_id, o.original_id, o.similarity, now()
        FROM ordered AS o
        ANTI JOIN near_duplicates AS d ON d.mention_id = o.mention_id AND d.original_id = o.original_id
        """
    )
    return con.execute("SELECT count(*) FROM near_duplicates").fetchall()[0][0] - before
