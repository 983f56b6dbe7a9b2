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

#: Columns of ``mentions`` that the load derives rather than copies from staging.
DERIVED_COLUMNS = ("reply_at_basis", "version_seen_at")
DERIVED_SELECT = "CAST(NULL AS VARCHAR) AS reply_at_basis, CAST(NULL AS TIMESTAMPTZ) AS version_seen_at"

_CHANGED = (
    "(m.rating IS DISTINCT FROM b.rating OR m.title IS DISTINCT FROM b.title OR m.text IS DISTINCT FROM b.text"
    " OR m.published_at IS DISTINCT FROM b.published_at)"
)

# {changed}: (mention_id of the stored row, seen_at: when the crawl saw the next version).
VERSION_INSERT = """
INSERT INTO mention_versions
SELECT m.mention_id, m.external_id, m.published_at, m.title, m.text, m.rating, m.rating_normalised,
       coalesce(k.label, c.label), coalesce(label_polarity(k.label), c.score), m.reply, m.reply_at,
       coalesce(m.version_seen_at, m.first_seen_at), x.seen_at
FROM mentions AS m
JOIN {changed} AS x ON x.mention_id = m.mention_id
LEFT JOIN current_scores AS c ON c.mention_id = m.mention_id
LEFT JOIN sentiment_corrections AS k ON k.mention_id = m.mention_id
WHERE NOT EXISTS (SELECT 1 FROM mention_versions AS v WHERE v.mention_id = m.mention_id AND v.superseded_at = x.seen_at)
"""


def before_upsert(con: duckdb.DuckDBPyConnection, batch: str) -> None:
    """Fill the batch's reply time and version columns and keep the versions it supersedes."""
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
            FROM {batch} AS b LEFT JOIN mentions AS m ON m.mention_id = b.mention_id
        ) AS d
        WHERE {batch}.mention_id = d.mention_id
        """
    )
    changed = (f"(SELECT b.mention_id, coalesce(b.fetched_at, now()) AS seen_at FROM {batch} AS b "
               f"JOIN mentions AS m ON m.mention_id = b.mention_id WHERE {_CHANGED})")
    con.execute(VERSION_INSERT.format(changed=changed))


def keep_version_before_rekey(con: duckdb.DuckDBPyConnection, rekey_map: str, batch: str) -> None:
    """Inside ``warehouse.identity.rekey_mentions`` for an edit that changed the review's id
    (the new version is in table ``batch``): keep the stored row as a version under the id it
    had, before it takes the new one."""
    changed = (f"(SELECT r.old_id AS mention_id, coalesce(b.fetched_at, now()) AS seen_at FROM {rekey_map} AS r "
               f"JOIN {batch} AS b ON b.mention_id = r.new_id)")
    con.execute(VERSION_INSERT.format(changed=changed))


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
