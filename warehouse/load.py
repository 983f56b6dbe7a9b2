"""Idempotent bulk upsert of mentions from Arrow.

The key is ``(source, external_id)``: running the same day twice, or re-crawling pages we
already have, updates the stored row (an edited review, a new company reply) instead of
adding a second one. The row before an edit of its rating, title, text or date is kept in
``mention_versions``, and a reply's time is kept across crawls (``warehouse.replies``). Each batch is one transaction, so analysts never see half a batch.
The incrementally maintained tables (``warehouse/incremental.py``) are updated in the same
transaction, for the batch's rows and days only.

``mentions`` has no index on its key (migration 041: the index made every day's write cost
more as the history grew). The batch's ids are looked up (``warehouse.keys.find_stored``),
the rows found are updated by ``rowid`` and the rest inserted; the transaction and the single
writer (DuckDB's file lock, the run lock) keep that check-then-write free of races, so a key
is never stored twice.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from klantstem.review_state import review_state
from warehouse import identity, incremental, keys, replies
from warehouse.connection import rollback_quietly
from warehouse.staging import MENTION_SCHEMA

_COLUMNS = [f.name for f in MENTION_SCHEMA]
_STORED = [*_COLUMNS, *replies.DERIVED_COLUMNS]
_UPDATABLE = [c for c in _STORED if c not in ("source", "external_id")]


@dataclass(frozen=True)
class LoadResult:
    rows_in: int
    duplicates_in_batch: int
    new: int
    updated: int


def upsert_mentions(
    con: duckdb.DuckDBPyConnection, batch: pa.Table, page_ids: Collection[str] | None = None
) -> LoadResult:
    """Insert new mentions and refresh known ones from ``batch`` (``MENTION_SCHEMA`` columns).

    Duplicates inside the batch are removed first (the most recently fetched copy wins), so
    each stored row is matched by one batch row at most.
    ``page_ids``: every id the crawl that produced ``batch`` read on its pages; given, an
    incoming review that is an edit of a stored one updates it (``warehouse.identity``).
    """
    batch = batch.select(_COLUMNS).cast(MENTION_SCHEMA)
    maintained = incremental.is_maintained(con)
    con.register("incoming_batch", batch)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE batch AS
                SELECT md5(source || ':' || external_id) AS mention_id, *, {replies.DERIVED_SELECT}
                FROM incoming_batch
                QUALIFY row_number() OVER (
                    PARTITION BY source, external_id ORDER BY fetched_at DESC NULLS LAST) = 1
                """
            )
            unique_rows = con.execute("SELECT count(*) FROM batch").fetchall()[0][0]
            if page_ids is not None:
                identity.match_edited_reviews(con, "batch", page_ids)
            keys.find_stored(con, "mentions", "batch", "known_mentions")
            replies.before_upsert(con, "batch", "known_mentions")
            new = _write(con)
            if maintained:
                incremental.after_mentions_upsert(con, "batch", new)
            con.execute("DROP TABLE batch")
            con.execute("COMMIT")
        except Exception:
            rollback_quietly(con)
            raise
    finally:
        con.unregister("incoming_batch")
    return LoadResult(
        rows_in=batch.num_rows,
        duplicates_in_batch=batch.num_rows - unique_rows,
        new=new,
        updated=unique_rows - new,
    )


def _write(con: duckdb.DuckDBPyConnection) -> int:
    """Inside the load's transaction: update the stored rows of temp table ``batch`` (found in
    ``known_mentions``) and insert the others. Returns the rows inserted."""
    updates = ", ".join(f"{c} = b.{c}" for c in _UPDATABLE)
    con.execute(
        f"""
        UPDATE mentions SET {updates}, last_seen_at = now()
        FROM known_mentions AS k JOIN batch AS b USING (mention_id)
        WHERE mentions.rowid = k.rid
        """
    )
    columns = ", ".join(["mention_id", *_STORED])
    inserted = int(con.execute(
        f"""
        INSERT INTO mentions ({columns}, first_seen_at, last_seen_at, id_hash)
        SELECT {columns}, now(), now(), {keys.id_hash_sql("mention_id")}
        FROM batch ANTI JOIN known_mentions USING (mention_id)
        ORDER BY published_at
        """
    ).fetchall()[0][0])
    con.execute("DROP TABLE known_mentions")
    return inserted


def known_external_ids(
    con: duckdb.DuckDBPyConnection, source: str, brand: str, limit: int = 5000, through: datetime | None = None
) -> list[str]:
    """The newest ids we hold for one source and brand (published no later than ``through``,
    if given): the spider drops them, and stops paging at those a complete crawl reached."""
    rows = con.execute(
        """SELECT external_id FROM mentions WHERE source = ? AND brand = ?
             AND (CAST(? AS TIMESTAMPTZ) IS NULL OR published_at <= ?)
           ORDER BY published_at DESC LIMIT ?""",
        [source, brand, through, through, limit],
    ).fetchall()
    return [r[0] for r in rows]


def known_review_states(
    con: duckdb.DuckDBPyConnection, source: str, brand: str, limit: int = 5000
) -> list[tuple[str, str]]:
    """The newest ids we hold for one source and brand, each with the digest of its rating,
    text and reply (``klantstem.review_state``): the spider drops those whose digest still
    matches and lets a changed one (a new reply, an edit) through."""
    rows = con.execute(
        """SELECT external_id, rating, text, reply FROM mentions WHERE source = ? AND brand = ?
           ORDER BY published_at DESC LIMIT ?""",
        [source, brand, limit],
    ).fetchall()
    return [(external_id, review_state(rating, text, reply)) for external_id, rating, text, reply in rows]
