"""Company replies and earlier versions, kept by every load (docs/replies.md).

A crawl sees a review as it is now. Two things a reputation manager counts need what it was
before: when the company answered (a reply that appears between two crawls has no date on
some platforms), and what the review said before an edit ("1 star, we replied, now 4 stars").
``before_upsert`` runs inside ``warehouse.load.upsert_mentions``' transaction, on the batch
table, after edited reviews were matched to their stored rows and before the rows are
written:

* ``reply_at``/``reply_at_basis``: the platform's reply date where it gives one
  (``platform``); else a reply already stored keeps its time; else a reply on a review that
  was stored unanswered gets the time of the crawl that first saw it (``crawl``: late by at
  most the time between runs); else (answered when first crawled, no date) the crawl time
  marked ``first_crawl``, which the response-time views leave out because it only bounds
  the real time;
* ``mention_versions``: the stored row, with the sentiment in force for its text, when the
  incoming rating, title, text or date differs. ``mentions`` keeps the latest version.
"""

from __future__ import annotations

import duckdb

from warehouse import keys

#: Columns of ``mentions`` that the load derives rather than copies from staging.
DERIVED_COLUMNS = ("reply_at_basis", "version_seen_at")
DERIVED_SELECT = "CAST(NULL AS VARCHAR) AS reply_at_basis, CAST(NULL AS TIMESTAMPTZ) AS version_seen_at"

_CHANGED = (
    "(m.rating IS DISTINCT FROM b.rating OR m.title IS DISTINCT FROM b.title OR m.text IS DISTINCT FROM b.text"
    " OR m.published_at IS DISTINCT FROM b.published_at)"
)
_STORED_COLUMNS = ("mention_id, external_id, published_at, title, text, rating, rating_normalised, reply, reply_at, "
                   "reply_at_basis, version_seen_at, first_seen_at")

# Table changed_rows: (mention_id of a row in stored_rows, seen_at: when a crawl saw its next version).
VERSION_INSERT = """
INSERT INTO mention_versions
SELECT m.mention_id, m.external_id, m.published_at, m.title, m.text, m.rating, m.rating_normalised,
       coalesce(k.label, c.label), coalesce(label_polarity(k.label), c.score), m.reply, m.reply_at,
       coalesce(m.version_seen_at, m.first_seen_at), x.seen_at
FROM stored_rows AS m
JOIN changed_rows AS x ON x.mention_id = m.mention_id
LEFT JOIN (SELECT mention_id, label, score FROM current_scores
           WHERE mention_id IN (SELECT mention_id FROM changed_rows)) AS c ON c.mention_id = m.mention_id
LEFT JOIN (SELECT mention_id, label FROM sentiment_corrections
           WHERE mention_id IN (SELECT mention_id FROM changed_rows)) AS k ON k.mention_id = m.mention_id
WHERE NOT EXISTS (SELECT 1 FROM mention_versions AS v WHERE v.mention_id = m.mention_id AND v.superseded_at = x.seen_at)
"""


def _snapshot_stored(con: duckdb.DuckDBPyConnection, found: str) -> int:
    """Temp table ``stored_rows``: the stored rows listed in ``found`` (a table made by
    ``warehouse.keys.find_stored``), read by ``rowid`` so the wide columns (text) are read for
    the matched rows only. Returns how many."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE stored_rows AS SELECT {_STORED_COLUMNS} FROM mentions "
                f"WHERE rowid IN (SELECT rid FROM {found})")
    return int(con.execute(f"SELECT count(*) FROM {found}").fetchall()[0][0])


def _keep_versions(con: duckdb.DuckDBPyConnection, changed: str) -> None:
    """Copy the rows of ``stored_rows`` listed by query ``changed`` into ``mention_versions``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE changed_rows AS {changed}")
    if con.execute("SELECT count(*) FROM changed_rows").fetchall()[0][0]:
        con.execute(VERSION_INSERT)
    con.execute("DROP TABLE changed_rows")
    con.execute("DROP TABLE stored_rows")


def before_upsert(con: duckdb.DuckDBPyConnection, batch: str, found: str) -> None:
    """Fill the batch's reply time and version columns and keep the versions it supersedes.
    ``found``: the batch's stored rows, as the load found them (``warehouse.keys.find_stored``)."""
    if not _snapshot_stored(con, found):
        con.execute(f"""UPDATE {batch} SET version_seen_at = coalesce(fetched_at, now()),
                        reply_at = CASE WHEN reply IS NOT NULL THEN coalesce(reply_at, fetched_at, now()) END,
                        reply_at_basis = CASE WHEN reply IS NULL THEN NULL WHEN reply_at IS NOT NULL THEN 'platform'
                                              ELSE 'first_crawl' END""")
        con.execute("DROP TABLE stored_rows")
        return
    con.execute(
        f"""
        UPDATE {batch} SET reply_at = d.reply_at, reply_at_basis = d.basis, version_seen_at = d.version_seen_at
        FROM (
            SELECT b.mention_id,
                   CASE WHEN b.reply IS NULL THEN NULL
                        WHEN b.reply_at IS NOT NULL THEN b.reply_at
                        WHEN m.reply IS NOT NULL AND m.reply_at IS NOT NULL THEN m.reply_at
                        ELSE coalesce(b.fetched_at, now()) END AS reply_at,
                   CASE WHEN b.reply IS NULL THEN NULL
                        WHEN b.reply_at IS NOT NULL THEN 'platform'
                        WHEN m.reply IS NOT NULL AND m.reply_at IS NOT NULL THEN m.reply_at_basis
                        WHEN m.mention_id IS NOT NULL AND m.reply IS NULL THEN 'crawl'
                        ELSE 'first_crawl' END AS basis,
                   CASE WHEN m.mention_id IS NULL OR {_CHANGED} THEN coalesce(b.fetched_at, now())
                        ELSE coalesce(m.version_seen_at, m.first_seen_at) END AS version_seen_at
            FROM {batch} AS b LEFT JOIN stored_rows AS m ON m.mention_id = b.mention_id
        ) AS d
        WHERE {batch}.mention_id = d.mention_id
        """
    )
    _keep_versions(con, f"SELECT b.mention_id, coalesce(b.fetched_at, now()) AS seen_at FROM {batch} AS b "
                        f"JOIN stored_rows AS m ON m.mention_id = b.mention_id WHERE {_CHANGED}")


def keep_version_before_rekey(con: duckdb.DuckDBPyConnection, rekey_map: str, batch: str) -> None:
    """Inside ``warehouse.identity.rekey_mentions`` for an edit that changed the review's id
    (the new version is in table ``batch``): keep the stored row as a version under the id it
    had, before it takes the new one."""
    keys.find_stored(con, "mentions", f"(SELECT old_id AS mention_id FROM {rekey_map})", "rekeyed_stored")
    _snapshot_stored(con, "rekeyed_stored")
    con.execute("DROP TABLE rekeyed_stored")
    _keep_versions(con, f"SELECT r.old_id AS mention_id, coalesce(b.fetched_at, now()) AS seen_at FROM {rekey_map} AS r "
                        f"JOIN {batch} AS b ON b.mention_id = r.new_id")


#: Source types whose platform shows the company's replies (docs/replies.md lists each one's
#: reply fields). Google Places and the App Store review feed give none.
REPLY_SOURCE_TYPES = frozenset({"trustpilot", "googleplay", "google_business", "kiyoh", "jsonld"})


def record_reply_settings(
    con: duckdb.DuckDBPyConnection, sources: list[tuple[str, str, str, bool]], sla_hours: float
) -> None:
    """Write the configured ``(source key, brand, source type, own brand)`` whose platform
    shows replies, and the reply SLA, for the reply views; one transaction, replacing the last run's."""
    rows = [row for row in sources if row[2] in REPLY_SOURCE_TYPES]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM reply_sources")
        if rows:
            con.executemany("INSERT INTO reply_sources VALUES (?, ?, ?, ?)", rows)
        con.execute("DELETE FROM reply_settings")
        con.execute("INSERT INTO reply_settings VALUES (?)", [sla_hours])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
