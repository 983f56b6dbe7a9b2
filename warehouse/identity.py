"""Which stored review an incoming one is: edits recognised, ids changed everywhere at once.

Sources without ids of their own (JSON-LD, Kiyoh, some feeds) get a fallback id computed
from brand, author, date and text (``spiders.pipelines.fallback_external_id``), so an edit
of the text or the date gives the review a new id. ``match_edited_reviews`` recognises such
an edit while loading and gives the stored row the new id (``rekey_mentions``), so the load
updates it instead of storing the review twice. The rule, with why each part is there:

* both ids are fallback ids (``h:``) of the same source and brand, with the same author
  pseudonym: a source's own ids never change, and an edit keeps its author;
* the stored review is **not among the ids the crawl read on its pages** (the spider's
  ``<slug>.pageids.txt``): an edit replaces the old version on the page, a second review
  by the same person stands beside it. Without that list (a file recovered from a crawl
  that died) nothing is matched: a duplicate is better than two reviews merged into one;
* and either the date is the same and the text nearly so (``difflib`` ratio at least
  ``SIMILAR_TEXT``, or one text contains the other: an appended "Update: ...") - a typo
  fixed, a sentence added; or the text is identical, at least ``MOVED_DATE_MIN_CHARS``
  long, and only the date moved - a site that re-dates an edited review; or both moved:
  the text nearly the same and at least ``MOVED_DATE_MIN_CHARS`` long, the new date later
  than the old, and the old date inside the span of dates the crawl's pages covered (had
  the old version still been listed, the crawl would have read it). Short identical
  texts on another date ("Prima!") are taken as two reviews;
* one to one: a stored review that two incoming ones could be (or the reverse) is left
  alone.

Which identity an edited review keeps: **one review, one row, under the newest id**. The
stored row takes the incoming fallback id (and the ``mention_id`` derived from it) and every
table that refers to it follows (scores, corrections, aspects, alert samples, versions); the
version it replaces is kept in ``mention_versions`` under the id it was published with
(``warehouse.replies``). The newest id, not the first, because it is the id the next crawl
computes from the page: the review is then recognised as stored ("seen") without a
look-up of every earlier id, and a source's own ids behave the same way (they never change).

Not recognised (stored twice): an edit whose old version is on a page this crawl did not
read while its date moved and its text is short, and an edit that rewrote the text beyond
``SIMILAR_TEXT``.

``rekey_mentions`` also re-keys the reviews stored under unkeyed ids before fallback ids
were keyed (``rekey_unkeyed_fallback_ids``).
"""

from __future__ import annotations

import difflib
import logging
from collections import Counter
from collections.abc import Collection

import duckdb
import pyarrow as pa

from klantstem.privacy import keyed_id
from warehouse import keys, replies
from warehouse.connection import transaction

log = logging.getLogger(__name__)

FALLBACK_PREFIX = "h:"
SIMILAR_TEXT = 0.8
MOVED_DATE_MIN_CHARS = 40

# Every table keyed by mention_id (besides mentions itself and alerts' list of samples).
MENTION_ID_TABLES = (
    "sentiment_scores",
    "current_scores",
    "sentiment_correction_log",
    "insight_tagged",
    "aspect_sentences",
    "aspect_tags",
    "mention_terms",
    "mention_versions",
)
REKEY_SCHEMA = pa.schema(
    [("source", pa.string()), ("old_external_id", pa.string()), ("new_external_id", pa.string())]
)


def nearly_same_text(old: str, new: str) -> bool:
    """True for an edit of the same text: a typo fixed, a sentence added or removed."""
    if old in new or new in old:
        return True
    return difflib.SequenceMatcher(None, old, new, autojunk=False).ratio() >= SIMILAR_TEXT


def match_edited_reviews(con: duckdb.DuckDBPyConnection, batch: str, page_ids: Collection[str]) -> int:
    """Inside the load's transaction, before table ``batch`` (``mention_id`` + mention columns)
    is upserted: give each stored review that an incoming one is an edit of (module rule) the
    incoming id. Returns the number of reviews re-keyed."""
    con.register("crawl_page_ids", pa.table({"external_id": pa.array(sorted(page_ids), pa.string())}))
    try:
        # The oldest date on the pages read, per source and brand: stored reviews listed there and the batch.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE crawl_coverage AS
            SELECT source, brand, min(published_at) AS covered_from FROM (
                SELECT source, brand, published_at FROM mentions
                WHERE external_id IN (SELECT external_id FROM crawl_page_ids)
                UNION ALL SELECT source, brand, published_at FROM {batch}
            ) GROUP BY source, brand
            """
        )
        candidates = con.execute(
            f"""
            SELECT b.source, m.external_id, b.external_id, m.text, b.text, m.published_at = b.published_at,
                   b.published_at > m.published_at AND m.published_at >= v.covered_from AS moved_within_pages
            FROM {batch} AS b
            JOIN mentions AS m ON m.source = b.source AND m.brand = b.brand AND m.author = b.author
            LEFT JOIN crawl_coverage AS v ON v.source = b.source AND v.brand = b.brand
            WHERE starts_with(b.external_id, '{FALLBACK_PREFIX}') AND starts_with(m.external_id, '{FALLBACK_PREFIX}')
              AND (m.published_at = b.published_at OR m.text = b.text
                   OR (b.published_at > m.published_at AND m.published_at >= v.covered_from))
              AND NOT EXISTS (SELECT 1 FROM mentions AS s WHERE s.mention_id = b.mention_id)
              AND m.external_id NOT IN (SELECT external_id FROM crawl_page_ids)
            """
        ).fetchall()
        con.execute("DROP TABLE crawl_coverage")
    finally:
        con.unregister("crawl_page_ids")
    pairs = [
        (source, old_id, new_id)
        for source, old_id, new_id, old_text, new_text, same_date, moved_within_pages in candidates
        if (same_date and nearly_same_text(old_text, new_text))
        or (not same_date and old_text == new_text and len(new_text) >= MOVED_DATE_MIN_CHARS)
        or (not same_date and moved_within_pages and len(new_text) >= MOVED_DATE_MIN_CHARS
            and nearly_same_text(old_text, new_text))
    ]
    olds = Counter((source, old_id) for source, old_id, _ in pairs)
    news = Counter((source, new_id) for source, _, new_id in pairs)
    unique = [(s, o, n) for s, o, n in pairs if olds[(s, o)] == 1 and news[(s, n)] == 1]
    if unique:
        log.info("%d edited review(s) recognised: stored rows take the new ids", len(unique))
    return rekey_mentions(con, unique, edits_in=batch)


def rekey_mentions(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str, str]], *, edits_in: str | None = None
) -> int:
    """Inside the caller's transaction, change ``(source, old external_id, new external_id)``
    and the ``mention_id`` derived from it in ``mentions`` and every table that refers to it
    (scores, corrections, aspect and term rows, alerts' samples), so that nothing points at
    the old id. Pairs whose new id is stored already are skipped (with a warning): merging
    two stored rows is not this function's call. ``edits_in``: the table holding the edited
    versions under their new ids (the load's batch); the stored rows are kept as earlier
    versions first. Returns the number of rows re-keyed."""
    if not pairs:
        return 0
    con.register("rekey_pairs", pa.Table.from_pylist(
        [dict(zip(REKEY_SCHEMA.names, p, strict=True)) for p in pairs], schema=REKEY_SCHEMA))
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE rekey_map AS
            SELECT md5(source || ':' || old_external_id) AS old_id, md5(source || ':' || new_external_id) AS new_id,
                   new_external_id
            FROM rekey_pairs
            """
        )
    finally:
        con.unregister("rekey_pairs")
    taken = con.execute(
        "SELECT r.new_external_id FROM rekey_map AS r JOIN mentions AS m ON m.mention_id = r.new_id"
    ).fetchall()
    if taken:
        log.warning("%d id(s) not changed: a review is stored under the new id already (e.g. %s)",
                    len(taken), taken[0][0])
        con.execute("DELETE FROM rekey_map WHERE new_id IN (SELECT mention_id FROM mentions)")
    if edits_in is not None:
        replies.keep_version_before_rekey(con, "rekey_map", edits_in)
    con.execute(
        f"""UPDATE mentions SET mention_id = r.new_id, external_id = r.new_external_id,
                               id_hash = {keys.id_hash_sql("r.new_id")}
            FROM rekey_map AS r WHERE mentions.mention_id = r.old_id"""
    )
    for table in MENTION_ID_TABLES:
        hashed = f", id_hash = {keys.id_hash_sql('r.new_id')}" if table in keys.KEYED_TABLES else ""
        con.execute(f"UPDATE {table} SET mention_id = r.new_id{hashed} FROM rekey_map AS r "
                    f"WHERE {table}.mention_id = r.old_id")
    con.execute(
        """
        UPDATE alerts SET sample_mention_ids = list_transform(
            sample_mention_ids, lambda x: coalesce(map_extract_value(r.ids, x), x))
        FROM (SELECT map_from_entries(list((old_id, new_id))) AS ids, list(old_id) AS olds FROM rekey_map) AS r
        WHERE list_has_any(sample_mention_ids, r.olds)
        """
    )
    changed = int(con.execute("SELECT count(*) FROM rekey_map").fetchall()[0][0])
    con.execute("DROP TABLE rekey_map")
    return changed


def rekey_unkeyed_fallback_ids(con: duckdb.DuckDBPyConnection, salt: str, own_id_sources: Collection[str]) -> int:
    """Re-key the reviews listed by migration 040 (stored under an unkeyed ``sha1`` fallback id)
    to ``keyed_id(salt, that sha1)``, the id a crawl computes for them now, so that nothing is
    stored twice and the stored ids no longer map back to names. ``own_id_sources``: source
    keys whose spiders use the source's own ids; their listed ids are theirs, not re-keyed.
    One transaction; the list is emptied. Returns the number of reviews re-keyed."""
    listed = con.execute("SELECT source, external_id FROM unkeyed_fallback_ids").fetchall()
    if not listed:
        return 0
    pairs = [(source, old, keyed_id(salt, old)) for source, old in listed if source not in own_id_sources]
    with transaction(con):
        changed = rekey_mentions(con, pairs)
        con.execute("DELETE FROM unkeyed_fallback_ids")
    log.info("re-keyed %d review id(s) stored before fallback ids were keyed", changed)
    return changed
