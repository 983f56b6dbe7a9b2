"""What the dashboard shows, aggregated in DuckDB.

Every section is one or two ``GROUP BY`` queries on the warehouse views, so a million
mentions become a few thousand rows; only those aggregates (plus a handful of example
mentions) go into the page, where the filters (brand, source, period) re-add them.

Sections whose tables or views do not exist yet (an older warehouse, an area not run yet)
or are empty come back with ``status`` ``missing``/``empty`` and a ``note`` that says which
command fills them, instead of failing the report.

The payload is plain JSON: columnar tables (``{"t": [...], "b": [...], ...}``) where ``t``
indexes ``days`` (the first day of each time bucket), ``b`` indexes ``brands``, ``s``
indexes ``sources`` and ``l`` indexes ``languages`` (language groups, docs/insights.md);
``p`` is the population (0 organic, 1 invited: docs/provenance.md), so the page can show the
organic reviews by default with the invited ones beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from alerts.rules import rule
from klantstem.clock import today_amsterdam
from report.replies import replies_section
from report.sections import (
    EXAMPLE_CHARS,
    RUN_INSIGHTS,
    clean,
    failed,
    records,
    section,
    short,
)
from report.themes import themes_section

# Up to this many days of data the time buckets are days; above it, ISO weeks (Monday),
# which keeps the page small for years of history while the period filter stays useful.
DAILY_BUCKETS_MAX_DAYS = 190
MAX_ALERTS = 60
EXAMPLES_PER_ALERT = 3
SOURCE_HEALTH_DAYS = 7  # "not ok in N of the last runs" looks back this many days
NEGATIVE_EXAMPLES_PER_SOURCE = 5
BLIND_SPOT_TERMS_PER_SIDE = 8

RUN_FLOW = "run `klantstem run` (or `klantstem demo`)"
RUN_ALERTS = "run `klantstem alerts run` (the daily `klantstem run` does it too)"
RUN_SURVEY = "run `klantstem survey import FILE`, then `klantstem insights refresh`"


@dataclass(frozen=True)
class BrandInfo:
    name: str
    own: bool = False


def relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Tables and views of the warehouse's main schema."""
    rows = con.execute(
        """
        SELECT table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
        UNION ALL
        SELECT view_name FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
        """
    ).fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> dict[str, list[Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return {n: [clean(r[i], 4) for r in rows] for i, n in enumerate(names)}


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0] or 0)


class _Index:
    """Values -> small integers, in order of first use (or a given order)."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] = []
        self._pos: dict[str, int] = {}
        for v in values:
            self(v)

    def __call__(self, value: str) -> int:
        if value not in self._pos:
            self._pos[value] = len(self.values)
            self.values.append(value)
        return self._pos[value]


def empty_payload(as_of: date | None = None, note: str | None = None) -> dict[str, Any]:
    """A payload without data (every section shows ``note``): no warehouse yet, or it is busy."""
    meta = {
        "generated_at": clean(datetime.now(UTC)),
        "as_of": (as_of or today_amsterdam()).isoformat(),
        "bucket": "day",
        "first_day": None,
        "last_day": None,
        "mentions": 0,
    }
    payload: dict[str, Any] = {"meta": meta, "brands": [], "sources": [], "languages": [], "days": []}
    if note is not None:
        payload["status"] = section("missing", note)
        for key in ("sentiment", "grades", "survey", "aspects", "drivers", "blind_spots", "alerts",
                    "source_health", "negative_examples", "replies", "provenance", "themes"):
            payload[key] = section("missing", note)
    return payload


def collect(
    con: duckdb.DuckDBPyConnection,
    *,
    brands: Sequence[BrandInfo] | None = None,
    as_of: date | None = None,
    bucket: str | None = None,
) -> dict[str, Any]:
    """The dashboard payload from a (read-only) connection.

    ``brands``: the brands of monitor.toml in their order, with ``own``; brands that only
    the warehouse knows are added after them. ``as_of``: the day the period presets end
    (default: today in Amsterdam). ``bucket``: ``day`` or ``week`` (default: by span).
    """
    rel = relations(con)
    if "mentions" not in rel or "mentions_scored" not in rel:
        return empty_payload(as_of, f"This warehouse has no mentions table yet: {RUN_FLOW}.")
    first, last, total = con.execute(
        """SELECT min(amsterdam_day(published_at)),
                  max(amsterdam_day(published_at)), count(*)
           FROM mentions"""
    ).fetchall()[0]
    if not total:
        return empty_payload(as_of, f"No mentions in the warehouse yet: {RUN_FLOW}.")
    payload = empty_payload(as_of)
    meta = payload["meta"]
    meta.update(first_day=clean(first), last_day=clean(last), mentions=int(total))
    if bucket is None:
        bucket = "day" if (last - first).days < DAILY_BUCKETS_MAX_DAYS else "week"
    if bucket not in ("day", "week"):
        raise ValueError(f"bucket must be 'day' or 'week', not {bucket!r}")
    meta["bucket"] = bucket
    payload["status"] = section()

    # Brands: config order (own first as configured), then insight_brands, then the rest.
    known: dict[str, BrandInfo] = {}
    for b in brands or ():
        known.setdefault(b.name, b)
    if "insight_brands" in rel:
        for name, own in con.execute("SELECT brand, own FROM insight_brands ORDER BY position, brand").fetchall():
            known.setdefault(name, BrandInfo(name, bool(own)))
    in_warehouse = [r[0] for r in con.execute("SELECT DISTINCT brand FROM mentions ORDER BY brand").fetchall()]
    ordered = [b for b in known.values() if b.name in set(in_warehouse)]
    ordered.sort(key=lambda b: not b.own)  # stable: own brand(s) first, then the configured order
    ordered += [BrandInfo(n) for n in in_warehouse if n not in known]
    brand_ix = _Index(b.name for b in ordered)
    payload["brands"] = [{"name": b.name, "own": b.own} for b in ordered]
    source_rows = con.execute(
        "SELECT source, count(*) AS n FROM mentions GROUP BY source ORDER BY n DESC, source"
    ).fetchall()
    source_ix = _Index(r[0] for r in source_rows)
    payload["sources"] = list(source_ix.values)

    days = _Index()

    def bucket_of(column: str) -> str:
        return column if bucket == "day" else f"CAST(date_trunc('week', {column}) AS DATE)"

    # Every mention once, with its current sentiment (mentions_scored) and grade (mention_grades),
    # materialised for this connection only: the sections below reuse it instead of each
    # re-evaluating the views over all mentions.
    has_grades = "mention_grades" in rel
    language, language_join = _language_column(rel)
    population = "ms.population" if _has_column(con, "mentions_scored", "population") else "'organic'"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE report_mentions AS
        SELECT ms.mention_id, ms.brand, ms.source, ms.day, {bucket_of("ms.day")} AS t, ms.published_at,
               ms.sentiment, ms.sentiment_score, ms.rating_normalised, {population} AS population,
               {"g.grade, g.unhappy" if has_grades else "CAST(NULL AS INTEGER) AS grade, CAST(NULL AS BOOLEAN) AS unhappy"},
               {language} AS language
        FROM mentions_scored AS ms
        {"LEFT JOIN mention_grades AS g USING (mention_id)" if has_grades else ""}
        {language_join}
        """
    )
    language_ix = _Index(r[0] for r in con.execute(
        "SELECT language, count(*) AS n FROM report_mentions GROUP BY language ORDER BY language = 'other', n DESC, language"
    ).fetchall())
    payload["languages"] = list(language_ix.values)

    # 1. Volume, sentiment and grades per bucket, brand and source.
    grade_cols = ", ".join(f"count(*) FILTER (WHERE grade = {i}) AS g{i}" for i in range(1, 11))
    facts = _columns(
        con,
        f"""SELECT t, brand AS b, source AS s, language AS l, CAST(population = 'invited' AS INTEGER) AS p,
                   count(*) AS n,
                   count(sentiment) AS sc,
                   count(*) FILTER (WHERE sentiment = 'neg') AS neg,
                   count(*) FILTER (WHERE sentiment = 'neu') AS neu,
                   count(*) FILTER (WHERE sentiment = 'pos') AS pos,
                   round(coalesce(sum(sentiment_score), 0), 3) AS ss,
                   count(rating_normalised) AS r,
                   round(coalesce(sum(rating_normalised), 0), 3) AS rs,
                   {grade_cols}
            FROM report_mentions
            GROUP BY ALL
            ORDER BY t, b, s, p""",
    )
    facts["t"] = [days(d) for d in facts["t"]]
    facts["b"] = [brand_ix(b) for b in facts["b"]]
    facts["s"] = [source_ix(s) for s in facts["s"]]
    facts["l"] = [language_ix(x) for x in facts["l"]]
    grades = [facts.pop(f"g{i}") for i in range(1, 11)]
    facts["g"] = [list(col) for col in zip(*grades, strict=True)] if grades and grades[0] else []
    scored = sum(facts["sc"])
    rated = sum(sum(g) for g in facts["g"])
    payload["facts"] = facts
    payload["sentiment"] = (
        section() if scored else
        section("empty", "No sentiment scores yet: the daily `klantstem run` scores new mentions "
                "(it needs the sentiment model: `klantstem model build`).")
    )
    if not has_grades:
        payload["grades"] = section("missing", f"The grade views are not in this warehouse yet: {RUN_FLOW} to update it.")
    elif not rated:
        payload["grades"] = section("empty", "No reviews with a rating yet: grades come from review sources "
                                    f"that give stars or marks ({RUN_FLOW}).")
    else:
        payload["grades"] = section()
    payload["survey"] = _survey(con, rel, days, bucket_of("answered_on"))
    payload["aspects"] = _aspects(con, rel, days, brand_ix, source_ix, language_ix)
    payload["drivers"] = _drivers(con, rel)
    payload["blind_spots"] = _blind_spots(con, rel)
    payload["alerts"] = _alerts(con, rel)
    payload["source_health"] = source_health(con, rel)
    payload["negative_examples"] = _negative_examples(con)
    payload["replies"] = replies_section(con, rel, date.fromisoformat(meta["as_of"]))
    payload["provenance"] = _provenance(con, meta)
    payload["themes"] = themes_section(con, rel)

    # First days of the buckets as ISO strings, in index order (not sorted).
    payload["days"] = list(days.values)
    return payload


def _survey(con: duckdb.DuckDBPyConnection, rel: set[str], days: _Index, t_expr: str) -> dict[str, Any]:
    if "survey_answers" not in rel:
        return section("missing", f"No survey answers yet: {RUN_SURVEY}.")
    try:
        rows = _columns(
            con,
            f"""SELECT {t_expr} AS t, score AS grade, count(*) AS n, any_value(brand) AS brand
                FROM survey_answers GROUP BY ALL ORDER BY t, grade""",
        )
    except duckdb.Error as exc:
        return failed(exc, "Survey answers")
    if not rows["t"]:
        return section("empty", f"No survey answers yet: {RUN_SURVEY}.")
    rows["t"] = [days(d) for d in rows["t"]]
    rows.pop("brand")
    return section(**rows)


def _language_column(rel: set[str]) -> tuple[str, str]:
    """The language group of a mention in ``mentions_scored AS ms`` (warehouse/views/070_languages.sql)
    and the join it needs; a warehouse without those views has one group, 'all'."""
    if "brand_languages" not in rel:
        return "'all'", ""
    return "language_group(ms.language, bl.languages)", "LEFT JOIN brand_languages AS bl ON bl.brand = ms.brand"


def _aspects(con: duckdb.DuckDBPyConnection, rel: set[str], days: _Index, brand_ix: _Index,
             source_ix: _Index, language_ix: _Index) -> dict[str, Any]:
    """Journey steps per bucket, brand, source and aspect: the aspect's own sentiment from the
    ``mention_aspect_sentiment`` view (insights/), with each mention's bucket and grade from
    ``report_mentions`` (the same context ``mention_aspects`` adds, already at hand here)."""
    if not {"mention_aspects", "insight_aspects"} <= rel:
        return section("missing", f"No journey steps yet: {RUN_INSIGHTS} (it tags mentions with aspects).")
    # A warehouse whose views predate mention_aspect_sentiment has the same columns in mention_aspects.
    judgements = "mention_aspect_sentiment" if "mention_aspect_sentiment" in rel else "mention_aspects"
    try:
        aspects = records(con, "SELECT aspect, label, position FROM insight_aspects ORDER BY position, aspect")
        rows = _columns(
            con,
            f"""SELECT m.t, m.brand AS b, m.source AS s, m.language AS l, CAST(m.population = 'invited' AS INTEGER) AS p, a.aspect AS a,
                      count(*) AS n,
                      count(a.sentiment) AS sc,
                      count(*) FILTER (WHERE a.sentiment = 'neg') AS neg,
                      count(*) FILTER (WHERE a.sentiment = 'pos') AS pos,
                      round(coalesce(sum(a.sentiment_score), 0), 3) AS ss,
                      count(m.grade) AS r,
                      coalesce(sum(m.grade), 0) AS gs,
                      count(*) FILTER (WHERE m.unhappy) AS unhappy
               FROM {judgements} AS a
               JOIN report_mentions AS m USING (mention_id)
               GROUP BY ALL
               ORDER BY t, b, s, p, a""",
        )
    except duckdb.Error as exc:
        return failed(exc, "Journey steps (aspects)")
    if not rows["t"]:
        return section("empty", f"No mentions tagged with journey steps yet: {RUN_INSIGHTS}.")
    aspect_ix = _Index(a["aspect"] for a in aspects)
    labels = {a["aspect"]: a for a in aspects}
    for key in rows["a"]:
        if key not in labels:  # tagged with an aspect no longer in the list
            labels[key] = {"aspect": key, "label": key, "position": 99}
            aspects.append(labels[key])
    rows["t"] = [days(d) for d in rows["t"]]
    rows["b"] = [brand_ix(b) for b in rows["b"]]
    rows["s"] = [source_ix(s) for s in rows["s"]]
    rows["l"] = [language_ix(x) for x in rows["l"]]
    rows["a"] = [aspect_ix(a) for a in rows["a"]]
    return section(list=[labels[k] for k in aspect_ix.values], **rows)


def _drivers(con: duckdb.DuckDBPyConnection, rel: set[str]) -> dict[str, Any]:
    if "key_driver_matrix" not in rel:
        return section("missing", f"No key drivers yet: {RUN_INSIGHTS}.")
    try:
        rows = records(
            con,
            """SELECT brand, aspect, aspect_label, importance, performance, share_negative, impact, p_value,
                      gain_if_fixed, quadrant, priority, reviews, mentioned, r_squared
               FROM key_driver_matrix ORDER BY brand, priority, aspect""",
        )
    except duckdb.Error as exc:
        return failed(exc, "Key drivers")
    if not rows:
        return section("empty", "No key drivers yet: they need at least 30 rated reviews per brand that "
                       f"mention scored journey steps ({RUN_INSIGHTS}).")
    return section(rows=rows)


def _blind_spots(con: duckdb.DuckDBPyConnection, rel: set[str]) -> dict[str, Any]:
    if not {"blind_spot_aspects", "blind_spot_terms", "survey_answers"} <= rel:
        return section("missing", f"No blind spots yet: {RUN_SURVEY}.")
    try:
        answers = _count(con, "SELECT count(*) FROM survey_answers")
        if not answers:
            return section("empty", f"No survey answers to compare with yet: {RUN_SURVEY}.")
        own = _count(con, "SELECT count(*) FROM insight_brands WHERE own") if "insight_brands" in rel else 0
        if not own:
            return section("empty", "Blind spots compare the own brand with the survey: mark it with "
                           f"`own = true` in monitor.toml and {RUN_INSIGHTS}.")
        # The z-test per journey step without the examples (a warehouse whose views predate
        # blind_spot_aspect_stats has the same columns in blind_spot_aspects).
        stats = "blind_spot_aspect_stats" if "blind_spot_aspect_stats" in rel else "blind_spot_aspects"
        # Invited reviews beside the comparison (views from before the provenance split lack them).
        invited = ("invited_negative_mentions, invited_mentions, share_invited"
                   if _has_column(con, stats, "share_invited") else
                   "0 AS invited_negative_mentions, 0 AS invited_mentions, NULL AS share_invited")
        aspects = records(
            con,
            f"""SELECT aspect, aspect_label, position, public_negative_mentions, public_mentions, share_public,
                       survey_unhappy_answers, survey_answers, share_survey, difference, z, direction, {invited}
                FROM {stats}
                ORDER BY position, aspect""",
        )
        terms = records(
            con,
            f"""SELECT term, surface, public_mentions, share_public, survey_answers, share_survey, z, direction,
                       examples
                FROM blind_spot_terms
                WHERE direction <> 'both'
                QUALIFY row_number() OVER (PARTITION BY direction ORDER BY abs(z) DESC, term)
                        <= {BLIND_SPOT_TERMS_PER_SIDE}
                ORDER BY direction, abs(z) DESC, term""",
        )
    except duckdb.Error as exc:
        return failed(exc, "Blind spots")
    for row in terms:
        row["examples"] = [short(t) for t in row.get("examples") or []]
    public = aspects[0]["public_negative_mentions"] if aspects else 0
    unhappy = aspects[0]["survey_unhappy_answers"] if aspects else 0
    if not public or not unhappy:
        return section("empty", "Blind spots compare unhappy customers on both sides: they need negative "
                       "public mentions of the own brand and survey answers scoring 0-6 "
                       f"(now {public or 0} and {unhappy or 0}; {RUN_INSIGHTS}).")
    return section(aspects=aspects, terms=terms, public_negative=public, survey_unhappy=unhappy,
                   invited_negative=aspects[0]["invited_negative_mentions"] or 0)


_EXAMPLE_COLUMNS = f"""
    m.mention_id, m.brand, m.source, r.day, m.title, left(m.text, {EXAMPLE_CHARS}) AS text,
    length(m.text) > {EXAMPLE_CHARS} AS truncated, m.url, m.rating, m.rating_max, r.sentiment, r.population
"""


def _example(row: dict[str, Any]) -> dict[str, Any]:
    text = row.pop("text") or ""
    if row.pop("truncated", False):
        text = text.rstrip() + "…"
    row["text"] = text
    url = row.get("url") or ""
    row["url"] = url if url.lower().startswith(("https://", "http://")) else None
    return row


def _rule_words(alert: dict[str, Any]) -> dict[str, Any]:
    """The alert's rule in its own words (``alerts.rules``): the page keeps no list of rules, so
    a new rule shows with its label and values. ``statistical``: a test with a baseline (else,
    like source health or unanswered reviews, the note says what happened)."""
    try:
        r = rule(alert["rule"])
    except ValueError:  # a rule this version no longer has
        return {"label": alert["rule"], "statistical": False, "observed_text": None, "expected_text": None}
    return {"label": r.label[:1].upper() + r.label[1:], "statistical": r.collect is None,
            "observed_text": r.value(alert["observed"]), "expected_text": r.value(alert["expected"])}


def _alerts(con: duckdb.DuckDBPyConnection, rel: set[str]) -> dict[str, Any]:
    if "alerts" not in rel:
        return section("missing", f"No alerts table yet: {RUN_ALERTS}.")
    try:
        # `note` (source health's reason) arrived with migration 021; older warehouses lack it.
        has_note = _has_column(con, "alerts", "note")
        rows = records(
            con,
            f"""SELECT alert_id, rule, brand, source, status, window_kind, {"note" if has_note else "'' AS note"},
                       amsterdam_day(episode_start) AS first_day,
                       amsterdam_day(coalesce(resolved_at, last_fired_at)) AS last_day,
                       window_start, window_end, last_fired_at, volume, observed, expected, p_value, test,
                       severity, peak_severity, top_terms, sample_mention_ids
                FROM alerts
                ORDER BY last_fired_at DESC, alert_id DESC
                LIMIT {MAX_ALERTS}""",
            digits=None,
        )
        for a in rows:
            a.update(_rule_words(a))
        ids = sorted({(a["alert_id"], i, m) for a in rows
                      for i, m in enumerate((a.pop("sample_mention_ids") or [])[:EXAMPLES_PER_ALERT])})
        examples: dict[int, list[dict[str, Any]]] = {}
        if ids:
            wanted = sorted({m for _, _, m in ids})
            found = {
                r["mention_id"]: _example(r)
                for r in records(
                    con,
                    f"""SELECT {_EXAMPLE_COLUMNS}
                        FROM mentions AS m JOIN report_mentions AS r USING (mention_id)
                        WHERE m.mention_id IN (SELECT unnest(?::VARCHAR[]))""",
                    [wanted],
                )
            }
            for alert_id, _, mention_id in ids:
                if mention_id in found:
                    examples.setdefault(alert_id, []).append(found[mention_id])
    except duckdb.Error as exc:
        return failed(exc, "Alerts")
    if not rows:
        return section("empty", f"No alerts so far: nothing unusual was detected ({RUN_ALERTS}).")
    for a in rows:
        for key in ("observed", "expected", "severity", "peak_severity"):
            a[key] = clean(a[key], 4)
        a["examples"] = examples.get(a["alert_id"], [])
    return section(rows=rows)


def source_health(con: duckdb.DuckDBPyConnection, rel: set[str], days: int = SOURCE_HEALTH_DAYS) -> dict[str, Any]:
    """Per brand and source: the latest crawl's status and reason, and how many of the last
    ``days`` days' crawls were not ok, so a source whose format drifted stands out next to a
    dip in its volume. From ``crawl_runs``, unhealthy sources first."""
    if "crawl_runs" not in rel:
        return section("missing", f"No crawl history yet: {RUN_FLOW}.")
    try:
        rows = records(
            con,
            """WITH ranked AS (
                   SELECT brand, source, status, error, finished_at, items_new, items_dropped,
                          row_number() OVER (PARTITION BY brand, source ORDER BY finished_at DESC, crawl_run_id DESC) AS k
                   FROM crawl_runs),
               recent AS (
                   SELECT brand, source, count(*) AS runs,
                          count(*) FILTER (WHERE status IN ('degraded', 'failed')) AS unhealthy
                   FROM crawl_runs
                   WHERE finished_at >= (SELECT max(finished_at) FROM crawl_runs) - to_days(CAST(? AS INTEGER))
                   GROUP BY brand, source)
               SELECT r.brand, r.source, r.status, r.error AS reason,
                      CAST(timezone('Europe/Amsterdam', r.finished_at) AS TIMESTAMP) AS last_crawl,
                      r.items_new, r.items_dropped, coalesce(c.runs, 0) AS runs, coalesce(c.unhealthy, 0) AS unhealthy
               FROM ranked AS r LEFT JOIN recent AS c USING (brand, source)
               WHERE r.k = 1
               ORDER BY CASE r.status WHEN 'failed' THEN 0 WHEN 'degraded' THEN 1 WHEN 'skipped' THEN 2 ELSE 3 END,
                        r.brand, r.source""",
            [days],
        )
    except duckdb.Error as exc:
        return failed(exc, "Source health")
    if not rows:
        return section("empty", f"No crawls recorded yet: {RUN_FLOW}.")
    return section(rows=rows, days=days)


def _negative_examples(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    try:
        rows = records(
            con,
            f"""WITH latest AS (
                    SELECT mention_id FROM report_mentions
                    WHERE sentiment = 'neg'
                    QUALIFY row_number() OVER (PARTITION BY brand, source ORDER BY published_at DESC, mention_id)
                            <= {NEGATIVE_EXAMPLES_PER_SOURCE}
                )
                SELECT {_EXAMPLE_COLUMNS}
                FROM mentions AS m JOIN report_mentions AS r USING (mention_id)
                WHERE m.mention_id IN (SELECT mention_id FROM latest)
                ORDER BY m.published_at DESC, m.mention_id""",
        )
    except duckdb.Error as exc:
        return failed(exc, "Example mentions")
    if not rows:
        return section("empty", "No negative mentions (or none scored yet).")
    return section(rows=[_example(r) for r in rows])


def _has_column(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
                            [relation, column]).fetchall()[0][0])


def _provenance(con: duckdb.DuckDBPyConnection, meta: dict[str, Any]) -> dict[str, Any]:
    """Whether the split between organic and invited reviews exists in this warehouse: where it
    does, the page shows the organic population by default, the invited one beside it and the
    invited share per week (its figures come from ``facts``, split by ``p``)."""
    invited = _count(con, "SELECT count(*) FROM report_mentions WHERE population = 'invited'")
    meta["invited"] = invited
    if not invited:
        return section("empty", "No invited reviews: none of the sources labels which reviews the company "
                       "asked for (Trustpilot does), so every figure counts all mentions (docs/provenance.md).")
    return section()
