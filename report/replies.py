"""The dashboard's reply sections (docs/replies.md): what waits for an answer, and the
reply-rate benchmark of every brand.

Both are computed here, over the warehouse's reply views, for a fixed window rather than the
page's period filter: medians and shares within the SLA cannot be re-added in the browser.
The inbox is the own brand's unanswered reviews, negative first and oldest first, as
``klantstem inbox`` prints them; the benchmark covers reviews published in the last
``BENCHMARK_DAYS`` days up to ``as_of``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb

BENCHMARK_DAYS = 28
INBOX_ROWS = 25
SNIPPET_CHARS = 240
NO_REPLY_DATA = ("No review sources that show company replies yet: add a Trustpilot, Google Play, Business "
                 "Profile, Kiyoh or JSON-LD source and run `klantstem run` (or `klantstem demo`).")


def _section(status: str = "ok", note: str | None = None, **data: Any) -> dict[str, Any]:
    return {"status": status, "note": note, **data}


def replies_section(con: duckdb.DuckDBPyConnection, rel: set[str], as_of: date) -> dict[str, Any]:
    """``{"inbox": [...], "benchmark": [...], "days", "sla_hours", "unanswered", ...}`` or a note."""
    if "reply_facts" not in rel:
        return _section("missing", "The reply views are not in this warehouse yet: run `klantstem run` to update it.")
    if not con.execute("SELECT count(*) FROM reply_sources").fetchall()[0][0]:
        return _section("empty", NO_REPLY_DATA)
    try:
        cur = con.execute(
            f"""SELECT brand, source, CAST(amsterdam_day(published_at) AS VARCHAR) AS day, round(age_hours, 1),
                       negative, past_sla, rating, rating_max, sentiment, title, left(text, {SNIPPET_CHARS}),
                       length(text) > {SNIPPET_CHARS}, url
                FROM reply_inbox ORDER BY negative DESC, published_at, mention_id LIMIT {INBOX_ROWS}"""
        )
        names = ["brand", "source", "day", "age_hours", "negative", "past_sla", "rating", "rating_max", "sentiment",
                 "title", "text", "truncated", "url"]
        inbox = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        unanswered, negative, late = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE negative), count(*) FILTER (WHERE past_sla) FROM reply_inbox"
        ).fetchall()[0]
        start = as_of - timedelta(days=BENCHMARK_DAYS - 1)
        rows = con.execute(
            """
            WITH f AS (SELECT * FROM reply_facts WHERE amsterdam_day(published_at) BETWEEN ? AND ?)
            SELECT f.brand, bool_or(f.own), count(*), count(*) FILTER (WHERE f.negative),
                   avg(CAST(f.answered AS INTEGER)),
                   count(*) FILTER (WHERE f.negative AND f.response_hours <= f.sla_hours)
                     / nullif(count(*) FILTER (WHERE f.negative AND (f.response_hours IS NOT NULL
                                                                   OR (NOT f.answered AND f.age_hours > f.sla_hours))), 0),
                   median(f.response_hours),
                   (SELECT count(*) FROM recovered_customers AS r
                    WHERE r.brand = f.brand AND amsterdam_day(r.reply_at) BETWEEN ? AND ?)
            FROM f GROUP BY f.brand ORDER BY bool_or(f.own) DESC, f.brand
            """,
            [start, as_of, start, as_of],
        ).fetchall()
        sla = con.execute("SELECT coalesce(max(sla_hours), 48) FROM reply_settings").fetchall()[0][0]
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return _section("error", f"Replies could not be read from this warehouse ({first}); run `klantstem run`")
    for row in inbox:
        row["text"] = (row["text"] or "").rstrip() + ("…" if row.pop("truncated") else "")
        url = row.get("url") or ""
        row["url"] = url if url.lower().startswith(("https://", "http://")) else None
    benchmark = [
        {"brand": brand, "own": bool(own), "reviews": int(n), "negative": int(neg),
         "share_answered": None if answered is None else round(float(answered), 4),
         "share_negative_within_sla": None if within is None else round(float(within), 4),
         "median_response_hours": None if median is None else round(float(median), 1),
         "recovered": int(recovered)}
        for brand, own, n, neg, answered, within, median, recovered in rows
    ]
    return _section(inbox=inbox, unanswered=int(unanswered), negative=int(negative), past_sla=int(late),
                    benchmark=benchmark, days=BENCHMARK_DAYS, sla_hours=float(sla))
