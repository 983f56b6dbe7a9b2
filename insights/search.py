"""Search by meaning: the mentions closest to a query in the scorer's embedding space.

The query is embedded by the same scorer, the same way as the mentions were (the e5
``'query: '`` prefix is added by the scorer to every text it reads, so query and documents
are comparable), and compared with the stored vectors (``text_embeddings``, migration 060)
by inner product, which is the cosine similarity of L2-normalised vectors. The model is
multilingual: a Dutch query finds French and English reviews that say the same thing.

Two ways to stay fast on a large warehouse (benchmarks/bench_search.py):

* a pre-filter: ``--brand``, ``--since`` and ``--negative`` narrow the mentions first and
  only their vectors are compared (brute force over what is left);
* without filters, once ``klantstem search-index`` built the coarse quantiser (k-means lists,
  ``warehouse/embeddings.py``), only the texts of the ``probes`` lists nearest the query are
  compared; without an index every vector is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np

from warehouse import incremental
from warehouse.embeddings import EMBEDDING_DIM

#: Lists probed by default: 0.98-1.0 of the exact top 10 in 0.14-0.36 s at 1M vectors (benchmarks/bench_search.py).
DEFAULT_PROBES = 8


class SearchError(ValueError):
    """A search that cannot run as asked (no vectors for the model); the message says why."""


@dataclass(frozen=True)
class Hit:
    mention_id: str
    similarity: float
    day: date
    brand: str
    source: str
    sentiment: str | None
    language: str | None
    text: str


def embed_query(scorer: object, query: str) -> np.ndarray:
    """The query's embedding from the scorer that embedded the mentions."""
    if not getattr(scorer, "has_embeddings", False):
        raise SearchError(f"{getattr(scorer, 'model_id', scorer)}: this model has no sentence embedding to search with "
                          "(the default e5-small-nl has)")
    _, vectors = scorer.score_with_embeddings([query])  # type: ignore[attr-defined]
    return np.asarray(vectors[0], dtype=np.float32)


def search(
    con: duckdb.DuckDBPyConnection,
    query_vector: np.ndarray,
    model_id: str,
    *,
    brand: str | None = None,
    since: date | None = None,
    negative: bool = False,
    limit: int = 10,
    probes: int = DEFAULT_PROBES,
) -> list[Hit]:
    """The ``limit`` mentions whose current score's embedding (from ``model_id``) is closest
    to ``query_vector``, most similar first; filters narrow the mentions before comparing."""
    stored = con.execute("SELECT count(*) FROM text_embeddings WHERE model_id = ?", [model_id]).fetchall()[0][0]
    if not stored:
        raise SearchError(f"no sentence embeddings stored for {model_id}: run `klantstem run` with "
                          "sentiment.store_embeddings = true (the default) first")
    params: dict[str, object] = {"q": [float(v) for v in query_vector], "model": model_id, "limit": limit}
    filters = []
    if brand is not None:
        filters.append("c.brand = $brand")
        params["brand"] = brand
    if since is not None:
        filters.append("c.day >= $since")
        params["since"] = since
    if negative:
        filters.append("c.sentiment = 'neg'")
    vector = f"CAST($q AS FLOAT[{EMBEDDING_DIM}])"
    current = _current(con)
    if filters:
        # The filtered mentions first, then the vectors of their texts: written this way round
        # DuckDB hashes the few filtered rows and streams the vectors past them (3x faster at 1M).
        candidates = f"""
            WITH c AS (SELECT c.mention_id, c.text_md5 FROM ({current}) AS c
                       WHERE c.model_id = $model AND {' AND '.join(filters)})
            SELECT c.mention_id, array_inner_product(e.embedding, {vector}) AS similarity
            FROM text_embeddings AS e JOIN c ON e.text_md5 = c.text_md5
            WHERE e.model_id = $model
            ORDER BY similarity DESC LIMIT $limit"""
    else:
        lists = ""
        if probes > 0 and con.execute("SELECT count(*) FROM embedding_lists WHERE model_id = ?",
                                      [model_id]).fetchall()[0][0]:
            lists = f"""AND e.list_id IN (
                SELECT list_id FROM embedding_lists WHERE model_id = $model
                ORDER BY array_inner_product(centroid, {vector}) DESC LIMIT {int(probes)})"""
        # Nearest texts first (one vector per distinct text), then the mentions that carry
        # them; a text shared by many mentions (copies) cannot crowd out the rest.
        candidates = f"""
            WITH texts AS (
                SELECT e.text_md5, array_inner_product(e.embedding, {vector}) AS similarity
                FROM text_embeddings AS e
                WHERE e.model_id = $model AND e.of_mention {lists}
                ORDER BY similarity DESC LIMIT $limit
            )
            SELECT c.mention_id, t.similarity
            FROM texts AS t JOIN ({current}) AS c ON c.text_md5 = t.text_md5 AND c.model_id = $model"""
    found = con.execute(f"{candidates}", params).fetchall()
    if not found:
        return []
    similarity = dict(found)
    rows = con.execute(
        """SELECT mention_id, day, brand, source, sentiment, language, concat_ws('. ', nullif(trim(title), ''), text)
           FROM mentions_scored WHERE mention_id IN (SELECT unnest($ids))""",
        {"ids": list(similarity)},
    ).fetchall()
    rows.sort(key=lambda r: (-similarity[r[0]], r[0]))
    return [Hit(r[0], float(similarity[r[0]]), *r[1:]) for r in rows[:limit]]


def _current(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of every mention's current score: mention_id, brand, day, sentiment (a correction
    in force wins), model_id and the md5 of the text that score (and its vector) came from.
    From the maintained ``current_scores`` while it is in sync (a filter on day or brand then
    skips most of it), else from ``mentions_scored`` and ``sentiment_scores``."""
    if incremental.is_maintained(con) and incremental.sync_status(con).in_sync:
        return """SELECT mention_id, brand, day, coalesce(corrected_label, label) AS sentiment, model_id,
                         scored_md5 AS text_md5 FROM current_scores"""
    return """SELECT m.mention_id, m.brand, m.day, m.sentiment, m.model_id, s.text_md5
              FROM mentions_scored AS m
              JOIN sentiment_scores AS s ON s.mention_id = m.mention_id AND s.model_id = m.model_id"""


def render(query: str, hits: list[Hit], width: int = 110) -> str:
    """The hits as a table a person reads: similarity, day, brand, source, sentiment, text."""
    if not hits:
        return f"Geen vermeldingen gevonden voor {query!r}."
    lines = [f"Vermeldingen die het dichtst bij {query!r} liggen (cosinus-gelijkenis):", ""]
    for h in hits:
        text = " ".join(h.text.split())
        text = text if len(text) <= width else text[: width - 1] + "…"
        lines.append(f"  {h.similarity:.3f}  {h.day}  {h.brand:<14} {h.source:<12} {h.sentiment or '-':<3} "
                     f"{h.language or '--':<2}  {text}")
    return "\n".join(lines)
