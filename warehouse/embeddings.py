"""Keeping the sentence embeddings the scorer computes, and the coarse index over them.

The default model's sentiment head reads an e5 sentence embedding; storing it (migration
060, ``text_embeddings``) lets the warehouse search by meaning and group complaints into
themes without running the model again. A vector is stored once per text and model: the
key is the text's md5 (``sentiment_scores.text_md5`` for a mention, ``md5(sentence)`` for
an aspect sentence), so copies of one review share a row.

``build_lists`` is the coarse quantiser (IVF): k-means centroids in ``embedding_lists``,
each text tagged with its nearest list, so a search over millions of texts scans only the
few lists nearest the query (docs/search.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import duckdb
import numpy as np
import pyarrow as pa

from warehouse.connection import rollback_quietly

log = logging.getLogger(__name__)

#: Width of the stored vectors (multilingual-e5-small); models with another width store nothing.
EMBEDDING_DIM = 384

EMBEDDING_SCHEMA = pa.schema(
    [("text_md5", pa.string()), ("model_id", pa.string()), ("embedding", pa.list_(pa.float32(), EMBEDDING_DIM))]
)


class _Embedder(Protocol):
    model_id: str

    def score(self, texts: Sequence[str], progress: bool = False) -> list: ...


def score_and_embed(scorer: _Embedder, texts: Sequence[str], keep: bool,
                    progress: bool = False) -> tuple[list, np.ndarray | None]:
    """The scorer's scores and, when ``keep`` and the model has sentence embeddings of the
    stored width, the embeddings too (the same model pass: no extra work)."""
    if not (keep and getattr(scorer, "has_embeddings", False)):
        return scorer.score(texts, progress=progress), None
    scores, vectors = scorer.score_with_embeddings(texts, progress=progress)  # type: ignore[attr-defined]
    if vectors.ndim != 2 or vectors.shape[1] != EMBEDDING_DIM:
        log.warning("%s: embeddings of width %s are not stored (the warehouse keeps %d)",
                    scorer.model_id, vectors.shape[-1], EMBEDDING_DIM)
        return scores, None
    return scores, vectors


def embedding_table(model_id: str, md5s: Sequence[str], vectors: np.ndarray) -> pa.Table:
    """``EMBEDDING_SCHEMA`` rows, one per text; blank texts (zero vectors) are left out,
    they carry no meaning to search for."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.shape != (len(md5s), EMBEDDING_DIM):
        raise ValueError(f"{model_id}: embeddings of shape {vectors.shape}, expected ({len(md5s)}, {EMBEDDING_DIM})")
    keep = np.linalg.norm(vectors, axis=1) > 0
    kept = vectors[keep]
    return pa.table(
        {
            "text_md5": pa.array([m for m, k in zip(md5s, keep, strict=True) if k], pa.string()),
            "model_id": pa.array([model_id] * len(kept), pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(kept.ravel(), pa.float32()), EMBEDDING_DIM),
        }
    ).cast(EMBEDDING_SCHEMA)


def has_embeddings_table(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether migration 060 ran (tests and old warehouses may predate it)."""
    return bool(con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'text_embeddings' AND NOT temporary"
    ).fetchall()[0][0])


def insert_embeddings(con: duckdb.DuckDBPyConnection, view: str, of_mention: bool) -> int:
    """Insert the rows of the registered relation ``view`` (``EMBEDDING_SCHEMA``) that are not
    stored yet for their text and model, each tagged with its nearest list when the model has
    an index. ``of_mention``: the texts are mentions' (not aspect sentences'), so search ranks
    them; a sentence stored earlier with the same text is marked too. Runs inside the caller's
    transaction; returns rows added."""
    before = con.execute("SELECT count(*) FROM text_embeddings").fetchall()[0][0]
    if of_mention:
        con.execute(
            f"""UPDATE text_embeddings AS t SET of_mention = true
                FROM (SELECT DISTINCT text_md5, model_id FROM {view}) AS i
                WHERE NOT t.of_mention AND t.text_md5 = i.text_md5 AND t.model_id = i.model_id"""
        )
    con.execute(
        f"""
        INSERT INTO text_embeddings (text_md5, model_id, embedding, list_id, stored_at, of_mention)
        WITH incoming AS (
            SELECT DISTINCT ON (text_md5, model_id) text_md5, model_id,
                   CAST(embedding AS FLOAT[{EMBEDDING_DIM}]) AS embedding
            FROM {view}
        ), new AS (
            SELECT i.* FROM incoming AS i
            ANTI JOIN text_embeddings AS t ON t.text_md5 = i.text_md5 AND t.model_id = i.model_id
        )
        SELECT n.text_md5, n.model_id, n.embedding,
               (SELECT l.list_id FROM embedding_lists AS l WHERE l.model_id = n.model_id
                ORDER BY array_inner_product(l.centroid, n.embedding) DESC, l.list_id LIMIT 1),
               now(), {str(of_mention).lower()}
        FROM new AS n
        """
    )
    return con.execute("SELECT count(*) FROM text_embeddings").fetchall()[0][0] - before


def build_lists(con: duckdb.DuckDBPyConnection, model_id: str, lists: int | None = None,
                sample: int = 50_000, seed: int = 0) -> int:
    """Cluster a sample of ``model_id``'s vectors into ``lists`` k-means centroids (default
    about sqrt(texts)), store them and tag every text with its nearest list. Returns the number
    of lists (0 when the model has no vectors). Rebuilding replaces the previous index."""
    from sklearn.cluster import KMeans

    total = con.execute("SELECT count(*) FROM text_embeddings WHERE model_id = ?", [model_id]).fetchall()[0][0]
    if total == 0:
        return 0
    k = max(1, min(lists or int(np.sqrt(total)), total))
    rows = con.sql(
        f"SELECT embedding FROM text_embeddings WHERE model_id = ? USING SAMPLE reservoir({min(sample, total)} ROWS) "
        f"REPEATABLE ({seed})", params=[model_id]
    ).to_arrow_table()
    sample_vectors = np.asarray(rows.column("embedding").combine_chunks().values, dtype=np.float32)
    sample_vectors = sample_vectors.reshape(-1, EMBEDDING_DIM)
    # Random initial centres and a few Lloyd iterations: k-means++ seeding costs minutes at
    # a thousand lists and buys nothing measurable for probing (benchmarks/bench_search.py).
    km = KMeans(n_clusters=min(k, len(sample_vectors)), init="random", n_init=1, max_iter=15,
                random_state=seed).fit(sample_vectors)
    centroids = km.cluster_centers_ / np.maximum(np.linalg.norm(km.cluster_centers_, axis=1, keepdims=True), 1e-12)
    table = pa.table({
        "list_id": pa.array(np.arange(len(centroids), dtype=np.int32)),
        "centroid": pa.FixedSizeListArray.from_arrays(pa.array(centroids.astype(np.float32).ravel()), EMBEDDING_DIM),
    })
    assignments = _nearest_lists(con, model_id, centroids.astype(np.float32))
    con.register("new_centroids", table)
    con.register("list_assignments", assignments)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM embedding_lists WHERE model_id = ?", [model_id])
            con.execute(
                f"""INSERT INTO embedding_lists
                    SELECT $model, n.list_id, CAST(n.centroid AS FLOAT[{EMBEDDING_DIM}]), coalesce(c.size, 0), now()
                    FROM new_centroids AS n
                    LEFT JOIN (SELECT list_id, count(*) AS size FROM list_assignments GROUP BY list_id) AS c
                      USING (list_id)""",
                {"model": model_id},
            )
            con.execute(
                """UPDATE text_embeddings AS t SET list_id = a.list_id FROM list_assignments AS a
                   WHERE t.model_id = $model AND t.text_md5 = a.text_md5""",
                {"model": model_id},
            )
            con.execute("COMMIT")
        except Exception:
            rollback_quietly(con)
            raise
    finally:
        con.unregister("new_centroids")
        con.unregister("list_assignments")
    return len(centroids)


def _nearest_lists(con: duckdb.DuckDBPyConnection, model_id: str, centroids: np.ndarray,
                   chunk: int = 65_536) -> pa.Table:
    """``(text_md5, list_id)`` of every vector of ``model_id``: a matrix product per chunk in
    numpy (a SQL join of every text with every centroid is far slower)."""
    reader = con.sql(
        "SELECT text_md5, embedding FROM text_embeddings WHERE model_id = ?", params=[model_id]
    ).to_arrow_reader(chunk)
    md5s: list[pa.Array] = []
    ids: list[np.ndarray] = []
    for batch in reader:
        vectors = np.asarray(batch.column(1).flatten(), dtype=np.float32).reshape(-1, EMBEDDING_DIM)
        md5s.append(batch.column(0))
        ids.append(np.argmax(vectors @ centroids.T, axis=1).astype(np.int32))
    return pa.table({
        "text_md5": pa.chunked_array(md5s, pa.string()),
        "list_id": pa.array(np.concatenate(ids) if ids else np.zeros(0, np.int32)),
    })
