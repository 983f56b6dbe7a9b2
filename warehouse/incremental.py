"""Incremental maintenance: what a load or a scoring batch changes, and nothing else.

Without this, every query of ``mentions_scored`` ranks the whole ``sentiment_scores`` table
to find each mention's latest score, and ``daily_sentiment`` re-aggregates every mention
ever loaded: both cost more every day the warehouse grows. Migration 004 adds

* ``current_scores``: one row per mention with its grouping keys (brand, source, Amsterdam
  ``day``) and its current score (the latest of any model). ``upsert_mentions`` and
  ``store_scores`` write only the rows of their batch: the rows they find
  (``warehouse.keys``: no index on ``mention_id`` since migration 041) are updated by
  ``rowid``, the others inserted; the days they touched are read back from the rows stamped
  with the transaction's time (one narrow column scanned, ~0.1 s at 10 million rows);
* ``daily_aggregates``: per day, brand, source, population and detected language the sums
  ``daily_sentiment`` divides,
  recomputed for the days a batch touched only (its days plus any day a changed
  ``published_at`` moved a mention away from);
* ``warehouse_sync``: how many mentions and scores the two tables account for.

Both happen inside the caller's transaction, so a crash leaves the tables and the rows they
summarise consistent. The views ``mentions_scored`` and ``daily_sentiment``
(``views/050_incremental.sql``) read the maintained tables while ``warehouse_sync``
matches the row counts, and otherwise compute everything from ``mentions`` and
``sentiment_scores`` as before (rows written by hand or by a test fixture are never
missed); ``migrate`` and ``klantstem warehouse rebuild`` rebuild the tables then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from warehouse import keys
from warehouse.connection import rollback_quietly

log = logging.getLogger(__name__)

MAINTAINED_TABLES = ("current_scores", "daily_aggregates", "warehouse_sync")


def text_sql(alias: str) -> str:
    """What the sentiment model reads (title + text); the same expression as ``warehouse.scores``."""
    return f"concat_ws('. ', nullif(trim({alias}.title), ''), {alias}.text)"


def day_sql(column: str) -> str:
    """The Amsterdam calendar day of a TIMESTAMPTZ column (as ``mentions_scored.day``)."""
    return f"amsterdam_day({column})"


_SCORE_COLUMNS = ("model_id", "scored_md5", "label", "score", "p_neg", "p_neu", "p_pos", "language", "scored_at")
# The incoming score (i, stamped now()) replaces the current one when it is the most recent
# (ties: smallest model_id), exactly the ranking mentions_scored used to compute over the
# whole table.
_NEWER = (
    "(current_scores.scored_at IS NULL OR now() > current_scores.scored_at"
    " OR (now() = current_scores.scored_at AND i.model_id <= current_scores.model_id))"
)
_AGGREGATE_SELECT = """
SELECT day, brand, source,
       count(*)                                AS volume,
       count(label)                            AS scored,
       count(*) FILTER (WHERE label = 'neg')   AS negative,
       count(*) FILTER (WHERE label = 'neu')   AS neutral,
       count(*) FILTER (WHERE label = 'pos')   AS positive,
       sum(score)                              AS score_sum,
       count(rating_normalised)                AS rated,
       sum(rating_normalised)                  AS rating_sum,
       now()                                   AS refreshed_at,
       population,
       language
FROM (
    -- a person's correction counts in place of the model's label (as in mentions_scored);
    -- population as klantstem.provenance.population; language as detected (migration 070)
    SELECT day, brand, source, rating_normalised, coalesce(corrected_label, label) AS label,
           coalesce(label_polarity(corrected_label), score) AS score,
           CASE WHEN provenance = 'invited' THEN 'invited' ELSE 'organic' END AS population,
           language
    FROM current_scores
    WHERE day IS NOT NULL {where}
)
GROUP BY day, brand, source, population, language
"""


@dataclass(frozen=True)
class SyncStatus:
    mentions_rows: int
    scores_rows: int
    maintained_mentions_rows: int | None
    maintained_scores_rows: int | None

    @property
    def in_sync(self) -> bool:
        return (self.mentions_rows, self.scores_rows) == (self.maintained_mentions_rows, self.maintained_scores_rows)


@dataclass(frozen=True)
class RebuildResult:
    mentions: int
    days: int
    seconds: float


def is_maintained(con: duckdb.DuckDBPyConnection) -> bool:
    """True when migration 004 is applied (a bare 001 schema has nothing to maintain)."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name IN ('current_scores', 'daily_aggregates', 'warehouse_sync')"
    ).fetchall()[0][0]
    return found == len(MAINTAINED_TABLES)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def sync_status(con: duckdb.DuckDBPyConnection) -> SyncStatus:
    recorded = con.execute("SELECT mentions_rows, scores_rows FROM warehouse_sync").fetchall()
    kept = recorded[0] if len(recorded) == 1 else (None, None)
    return SyncStatus(_count(con, "mentions"), _count(con, "sentiment_scores"), *kept)


def _add_to_sync(con: duckdb.DuckDBPyConnection, column: str, rows: int) -> None:
    """Count rows that went through the maintained path. Adding (not setting) keeps a
    warehouse that was already out of sync out of sync, so it is never mistaken for whole."""
    if rows:
        con.execute(f"UPDATE warehouse_sync SET {column} = {column} + ?", [rows])


def _days(values: Iterable[date | None]) -> set[date]:
    return {v for v in values if v is not None}


def _changed_days(con: duckdb.DuckDBPyConnection) -> set[date]:
    """The days of the ``current_scores`` rows written by this transaction, and the days they
    left. (``RETURNING`` would say the same, but costs seconds per statement in DuckDB 2.0:
    a scan of one column is ~0.1 s at 10 million rows.)"""
    rows = con.execute("SELECT DISTINCT day, previous_day FROM current_scores WHERE changed_at = now()").fetchall()
    return _days(d for pair in rows for d in pair)


def after_mentions_upsert(con: duckdb.DuckDBPyConnection, batch: str, new_rows: int) -> set[date]:
    """Inside the load's transaction, after ``mentions`` took the rows of table ``batch``
    (``mention_id`` + ``MENTION_SCHEMA`` columns, one row per mention): update their
    ``current_scores`` keys, recompute the days touched, count ``new_rows``. Returns the days."""
    keys.find_stored(con, "current_scores", batch, "current_rows", "t.day AS old_day")
    con.execute(
        f"""
        UPDATE current_scores SET
            previous_day = r.old_day, changed_at = now(), brand = b.brand, source = b.source,
            published_at = b.published_at, day = {day_sql("b.published_at")}, rating_normalised = b.rating_normalised,
            text_md5 = md5({text_sql("b")}), provenance = b.provenance
        FROM current_rows AS r JOIN {batch} AS b USING (mention_id)
        WHERE current_scores.rowid = r.rid
        """
    )
    con.execute(
        f"""
        INSERT INTO current_scores
            (mention_id, brand, source, published_at, day, rating_normalised, text_md5, previous_day, changed_at,
             provenance, id_hash)
        SELECT b.mention_id, b.brand, b.source, b.published_at, {day_sql("b.published_at")},
               b.rating_normalised, md5({text_sql("b")}), NULL, now(), b.provenance, {keys.id_hash_sql("b.mention_id")}
        FROM {batch} AS b ANTI JOIN current_rows USING (mention_id)
        ORDER BY b.published_at
        """
    )
    con.execute("DROP TABLE current_rows")
    days = _changed_days(con)
    refresh_days(con, days)
    _add_to_sync(con, "mentions_rows", new_rows)
    return days


def after_scores_stored(con: duckdb.DuckDBPyConnection, incoming: str, new_rows: int) -> set[date]:
    """Inside ``store_scores``' transaction, after ``sentiment_scores`` took the rows of
    ``incoming`` (``SCORE_SCHEMA``, stored with ``scored_at = now()``): make them the current
    score where they are the most recent, recompute their days, count ``new_rows``."""
    keys.find_stored(con, "current_scores", incoming, "current_rows", "t.day AS old_day")
    values = {"scored_md5": "i.text_md5", "scored_at": "now()"}
    updates = ", ".join(f"{c} = CASE WHEN {_NEWER} THEN {values.get(c, 'i.' + c)} ELSE current_scores.{c} END"
                        for c in _SCORE_COLUMNS)
    con.execute(
        f"""
        UPDATE current_scores SET {updates}, previous_day = r.old_day, changed_at = now()
        FROM current_rows AS r JOIN {incoming} AS i USING (mention_id)
        WHERE current_scores.rowid = r.rid
        """
    )
    con.execute(
        f"""
        INSERT INTO current_scores
            (mention_id, model_id, scored_md5, label, score, p_neg, p_neu, p_pos, language, scored_at, changed_at,
             id_hash)
        SELECT mention_id, model_id, text_md5, label, score, p_neg, p_neu, p_pos, language, now(), now(),
               {keys.id_hash_sql("mention_id")}
        FROM {incoming} ANTI JOIN current_rows USING (mention_id)
        """
    )
    con.execute("DROP TABLE current_rows")
    days = _changed_days(con)
    refresh_days(con, days)
    _add_to_sync(con, "scores_rows", new_rows)
    return days


def _day_filter(days: set[date]) -> str:
    # A literal list lets DuckDB skip row groups by their day range; dates are formatted by
    # us, never user text.
    return "AND day IN (" + ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(days)) + ")"


def refresh_days(con: duckdb.DuckDBPyConnection, days: set[date]) -> int:
    """Recompute ``daily_aggregates`` for ``days`` from ``current_scores``; returns rows written."""
    if not days:
        return 0
    where = _day_filter(days)
    con.execute(f"DELETE FROM daily_aggregates WHERE TRUE {where}")
    con.execute(f"INSERT INTO daily_aggregates {_AGGREGATE_SELECT.format(where=where)}")
    return int(con.execute(f"SELECT count(*) FROM daily_aggregates WHERE TRUE {where}").fetchall()[0][0])


def rebuild(con: duckdb.DuckDBPyConnection) -> RebuildResult:
    """Fill the maintained tables from ``mentions`` and ``sentiment_scores`` (one transaction).

    Costs a pass over the whole history: run after rows were written outside
    ``warehouse.load``/``warehouse.scores`` (``migrate`` does it when the counts differ).
    """
    started = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        # Rows written past the loader lack their id_hash: found all the same, but every lookup
        # would read them (warehouse/keys.py).
        con.execute(f"UPDATE mentions SET id_hash = {keys.id_hash_sql('mention_id')} WHERE id_hash IS NULL")
        con.execute("DELETE FROM current_scores")
        con.execute(
            f"""
            INSERT INTO current_scores
                (mention_id, brand, source, published_at, day, rating_normalised, text_md5,
                 model_id, scored_md5, label, score, p_neg, p_neu, p_pos, language, scored_at, changed_at,
                 corrected_label, provenance, id_hash)
            SELECT m.mention_id, m.brand, m.source, m.published_at, {day_sql("m.published_at")},
                   m.rating_normalised, md5({text_sql("m")}),
                   s.model_id, s.text_md5, s.label, s.score, s.p_neg, s.p_neu, s.p_pos, s.language, s.scored_at,
                   -- as if last written when scored, unless the text changed since (pending_texts)
                   CASE WHEN s.text_md5 = md5({text_sql("m")}) THEN s.scored_at ELSE now() END,
                   k.label, m.provenance, {keys.id_hash_sql("m.mention_id")}
            FROM mentions AS m
            LEFT JOIN sentiment_corrections AS k USING (mention_id)
            LEFT JOIN (
                SELECT * FROM sentiment_scores
                QUALIFY row_number() OVER (PARTITION BY mention_id ORDER BY scored_at DESC, model_id) = 1
            ) AS s USING (mention_id)
            ORDER BY m.published_at, m.mention_id
            """
        )
        con.execute("DELETE FROM daily_aggregates")
        con.execute(f"INSERT INTO daily_aggregates {_AGGREGATE_SELECT.format(where='')}")
        con.execute("DELETE FROM warehouse_sync")
        con.execute(
            "INSERT INTO warehouse_sync SELECT (SELECT count(*) FROM mentions), (SELECT count(*) FROM sentiment_scores), now()"
        )
        mentions = _count(con, "current_scores")
        days = int(con.execute("SELECT count(DISTINCT day) FROM daily_aggregates").fetchall()[0][0])
        con.execute("COMMIT")
    except Exception:
        rollback_quietly(con)
        raise
    return RebuildResult(mentions, days, time.perf_counter() - started)


def ensure_in_sync(con: duckdb.DuckDBPyConnection) -> RebuildResult | None:
    """Rebuild the maintained tables if rows were written past them; None when they were whole."""
    if not is_maintained(con):
        return None
    status = sync_status(con)
    if status.in_sync:
        return None
    if status.maintained_mentions_rows is not None:
        log.warning(
            "maintained tables account for %s mentions and %s scores, the warehouse holds %d and %d "
            "(rows written outside warehouse.load/scores): rebuilding current_scores and daily_aggregates",
            status.maintained_mentions_rows, status.maintained_scores_rows, status.mentions_rows, status.scores_rows,
        )
    result = rebuild(con)
    log.info("rebuilt current_scores (%d mentions) and daily_aggregates (%d days) in %.1f s",
             result.mentions, result.days, result.seconds)
    return result
