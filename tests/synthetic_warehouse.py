"""A synthetic but plausible warehouse for the report's tests, screenshots and benchmark.

Everything is generated inside DuckDB from ``range(n)`` and ``hash(i, k, seed)``, so a
million mentions take seconds and the same arguments give the same warehouse. It fills
what the real pipeline would: ``mentions``, ``sentiment_scores``, the insights tables
(aspect tags with their own sentiment, content terms, survey answers, key drivers) and
``alerts``, through the real migrations and views; mentions and scores through the real
writers (``upsert_mentions``, ``store_scores``). Brands and texts are invented.

Story: the own brand (first brand) gets a wave of negative delivery complaints in the last
three days, with an open alert about it; the survey talks about price and quality more,
the public about delivery (blind spots in both directions).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from warehouse.connection import connect
from warehouse.load import upsert_mentions
from warehouse.migrate import migrate
from warehouse.scores import store_scores

# (key, Dutch label, public weight, survey weight, [(stem, surface), ...])
ASPECTS: list[tuple[str, str, float, float, list[tuple[str, str]]]] = [
    ("ordering", "Bestellen & website", 0.10, 0.10, [("bestel", "bestelling"), ("websit", "website"), ("betal", "betaling")]),
    ("delivery", "Bezorging", 0.30, 0.08, [("bezorg", "bezorging"), ("pakket kwijt", "pakket kwijt"), ("te laat", "te laat")]),
    ("returns", "Retour & terugbetaling", 0.10, 0.07, [("retour", "retour"), ("geld terug", "geld terug")]),
    ("customer_service", "Klantenservice", 0.15, 0.15, [("klantenservic", "klantenservice"), ("wachttijd", "wachttijd")]),
    ("price", "Prijs", 0.10, 0.28, [("prijs", "prijs"), ("verzendkost", "verzendkosten"), ("duur", "duur")]),
    ("product_quality", "Productkwaliteit", 0.15, 0.27, [("kwaliteit", "kwaliteit"), ("kapot", "kapot")]),
    ("store", "Winkel", 0.05, 0.03, [("winkel", "winkel"), ("openingstijd", "openingstijden")]),
    ("app", "App", 0.05, 0.02, [("app", "app"), ("inlog", "inloggen")]),
]

SENTENCES = {
    "ordering": ("Bestellen op de website ging soepel.", "De website liep vast bij het afrekenen.", "Bestelling geplaatst via de site."),
    "delivery": ("Het pakket werd keurig op tijd bezorgd.", "De bezorging was te laat en mijn pakket kwijt.", "Het pakket kwam na twee dagen."),
    "returns": ("Retour ging makkelijk, geld terug binnen een week.", "Ik wacht al weken op mijn geld terug na de retour.", "Retourlabel zat in de doos."),
    "customer_service": ("De klantenservice was vriendelijk en behulpzaam.", "Klantenservice reageert niet, lange wachttijd.", "Ik heb de klantenservice gebeld."),
    "price": ("Goede prijs voor deze kwaliteit.", "Veel te duur met die verzendkosten.", "De prijs is vergelijkbaar met elders."),
    "product_quality": ("Prima kwaliteit, precies zoals beschreven.", "Product was kapot bij aankomst.", "Het product doet wat het moet doen."),
    "store": ("Fijne winkel met behulpzaam personeel.", "Winkel was rommelig, lange rij bij de kassa.", "Even langs geweest in de winkel."),
    "app": ("De app werkt snel en overzichtelijk.", "De app crasht steeds bij het inloggen.", "Ik bestel meestal via de app."),
}
TITLES = {"pos": ("Top!", "Aanrader", "Prima service", "Heel tevreden"),
          "neu": ("Gaat wel", "Oké", "Redelijk"),
          "neg": ("Nooit meer", "Teleurgesteld", "Slechte ervaring", "Waardeloos")}
SURVEY_ANSWERS = {
    "price": ("De prijzen zijn de laatste tijd flink gestegen.", "Verzendkosten zijn te hoog voor kleine bestellingen."),
    "product_quality": ("De kwaliteit van de producten valt tegen.", "Mijn product ging na een maand kapot."),
    "customer_service": ("Klantenservice was moeilijk bereikbaar.", "Lange wachttijd aan de telefoon."),
    "delivery": ("Bezorging kan sneller.", "Pakket kwam een dag later dan beloofd."),
    "ordering": ("Betaling via de website mislukte twee keer.",),
    "returns": ("Retourneren is omslachtig.",),
    "store": ("De winkel is slecht bereikbaar.",),
    "app": ("De app is onoverzichtelijk.",),
}


@dataclass(frozen=True)
class SourceSpec:
    key: str
    kind: str            # review | post
    scale: int | None    # 5 (stars), 10 (Dutch grade) or None (no rating)


DEFAULT_BRANDS: tuple[tuple[str, bool, float, float], ...] = (
    # name, own, share of mentions, share negative
    ("Snelkoop", True, 0.45, 0.20),
    ("Winkelwagen", False, 0.33, 0.15),
    ("Bestelhuis", False, 0.22, 0.30),
)
DEFAULT_SOURCES: tuple[tuple[SourceSpec, float], ...] = (
    (SourceSpec("trustpilot", "review", 5), 0.50),
    (SourceSpec("kiyoh", "review", 10), 0.25),
    (SourceSpec("google", "review", 5), 0.15),
    (SourceSpec("forum", "post", None), 0.10),
)
MODEL_ID = "synthetic@report"


def _u(k: int) -> str:
    """A uniform number in [0, 1) for row ``i``, stream ``k``."""
    return f"((hash(i, {k}, $seed) % 1000003) / 1000003.0)"


def _pick(u: str, weights: Sequence[float], values: Sequence[str]) -> str:
    total, acc, parts = sum(weights), 0.0, []
    for w, v in zip(weights[:-1], values[:-1], strict=True):
        acc += w / total
        parts.append(f"WHEN {u} < {acc!r} THEN {v}")
    return f"(CASE {' '.join(parts)} ELSE {values[-1]} END)"


def _run(con, sql: str, params: dict | None = None) -> None:
    """Run ``;``-separated statements, each with the named parameters it uses."""
    for statement in (part.strip() for part in sql.split(";\n")):
        if statement:
            used = set(re.findall(r"\$(\w+)", statement))
            con.execute(statement, {k: v for k, v in (params or {}).items() if k in used})


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_sql_str(v) for v in values) + "]"


def build_warehouse(
    path: Path,
    *,
    mentions: int = 5000,
    days: int = 120,
    end: date = date(2026, 11, 24),
    brands: Sequence[tuple[str, bool, float, float]] = DEFAULT_BRANDS,
    sources: Sequence[tuple[SourceSpec, float]] = DEFAULT_SOURCES,
    survey_answers: int | None = None,
    unscored_share: float = 0.02,
    spike_share: float = 0.03,
    french_share: float = 0.0,
    insights: bool = True,
    alerts: bool = True,
    seed: int = 7,
) -> None:
    """Create (or add to) the warehouse at ``path``: ``mentions`` mentions over the ``days``
    days ending ``end`` (Amsterdam dates). ``french_share`` of them are marked French (stated
    and detected language; the texts stay the Dutch templates), for the language filter."""
    start = end - timedelta(days=days - 1)
    params = {"seed": seed, "n": mentions}
    brand_names = [b[0] for b in brands]
    brand_ix = _pick(_u(1), [b[2] for b in brands], [str(i) for i in range(len(brands))])
    source_ix = _pick(_u(2), [s[1] for s in sources], [str(i) for i in range(len(sources))])
    aspect_ix = _pick(_u(6), [a[2] for a in ASPECTS], [str(i) for i in range(len(ASPECTS))])
    neg_share = "[" + ", ".join(repr(b[3]) for b in brands) + "]"
    src_keys = _list([s[0].key for s in sources])
    src_kinds = _list([s[0].kind for s in sources])
    src_scales = "[" + ", ".join("NULL" if s[0].scale is None else str(s[0].scale) for s in sources) + "]"
    sentence_lists = "[" + ", ".join(_list(SENTENCES[a[0]]) for a in ASPECTS) + "]"
    term_lists = "[" + ", ".join("[" + ", ".join(f"[{_sql_str(t)}, {_sql_str(s)}]" for t, s in a[4]) + "]"
                                 for a in ASPECTS) + "]"
    aspect_keys = _list([a[0] for a in ASPECTS])

    with connect(path, timeout_s=60) as con:
        migrate(con)
        _run(con,
            f"""
            CREATE OR REPLACE TEMP TABLE gen AS
            WITH base AS (
                SELECT i,
                       {brand_ix} + 1 AS b,
                       {source_ix} + 1 AS s,
                       {_u(3)} AS u_day, {_u(4)} AS u_tone, {_u(5)} AS u_spike, {aspect_ix} + 1 AS a1,
                       {_u(7)} AS u_second, {_u(8)} AS u_hour, {_u(9)} AS u_text, {_u(10)} AS u_score,
                       {_u(11)} AS u_scored, {_u(12)} AS u_rating,
                       CASE WHEN {_u(13)} < {french_share!r} THEN 'fr' ELSE 'nl' END AS lang
                FROM range($n) AS t(i)
            ), shaped AS (
                SELECT *,
                       b = 1 AND u_spike < {spike_share!r} AS spike
                FROM base
            ), toned AS (
                SELECT *,
                       CASE WHEN spike THEN 'neg'
                            WHEN u_tone < {neg_share}[b] THEN 'neg'
                            WHEN u_tone < {neg_share}[b] + 0.15 THEN 'neu'
                            ELSE 'pos' END AS tone,
                       CASE WHEN spike THEN 2 ELSE a1 END AS aspect1,
                       -- more mentions lately: density rises linearly over the period
                       CASE WHEN spike THEN DATE '{end.isoformat()}' - CAST(floor(u_day * 3) AS INTEGER)
                            ELSE DATE '{start.isoformat()}' + CAST(floor({days} * sqrt(u_day)) AS INTEGER) END AS day
                FROM shaped
            )
            SELECT i, {_list(brand_names)}[b] AS brand, {src_keys}[s] AS source, {src_kinds}[s] AS kind,
                   {src_scales}[s] AS scale, tone, aspect1,
                   CASE WHEN u_second < 0.35 THEN ((aspect1 + CAST(floor(u_second * 20) AS INTEGER)) % {len(ASPECTS)}) + 1 END AS aspect2,
                   day,
                   timezone('Europe/Amsterdam', CAST(day AS TIMESTAMP) + to_minutes(CAST(480 + floor(u_hour * 840) AS BIGINT))) AS published_at,
                   {sentence_lists}[aspect1][CASE tone WHEN 'pos' THEN 1 WHEN 'neg' THEN 2 ELSE 3 END] AS sentence1,
                   u_text, u_score, u_scored, u_rating, spike, lang
            FROM toned
            """,
            params,
        )
        _run(con,
            f"""
            ALTER TABLE gen ADD COLUMN sentence2 VARCHAR;
            UPDATE gen SET sentence2 = {sentence_lists}[aspect2][CASE WHEN u_text < 0.5 THEN 1 ELSE 3 END]
            WHERE aspect2 IS NOT NULL;
            ALTER TABLE gen ADD COLUMN rating DOUBLE;
            UPDATE gen SET rating = CASE
                WHEN scale = 5 THEN CASE tone WHEN 'neg' THEN 1 + floor(u_rating * 2) WHEN 'neu' THEN 3 ELSE 4 + floor(u_rating * 2) END
                WHEN scale = 10 THEN CASE tone WHEN 'neg' THEN 2 + floor(u_rating * 4) WHEN 'neu' THEN 6 + floor(u_rating * 2) ELSE 8 + floor(u_rating * 3) END
            END;
            """
        )
        titles = "[" + ", ".join(_list(TITLES[t]) for t in ("pos", "neu", "neg")) + "]"
        _run(con,
            f"""
            CREATE OR REPLACE TEMP TABLE gen_mentions AS
            SELECT source, 'syn-' || $seed || '-' || i AS external_id, brand, kind,
                   'https://reviews.example/' || source || '/' || lower(brand) || '/' || i AS url,
                   published_at,
                   {titles}[CASE tone WHEN 'pos' THEN 1 WHEN 'neu' THEN 2 ELSE 3 END][1 + CAST(floor(u_text * 3) AS INTEGER)] AS title,
                   concat_ws(' ', sentence1, sentence2) AS text,
                   rating, CASE WHEN scale IS NOT NULL THEN 1 END AS rating_min, scale AS rating_max,
                   (rating - 1) / (scale - 1) AS rating_normalised, lang AS language, left(md5('author' || i), 16) AS author,
                   CASE WHEN tone = 'neg' AND u_text < 0.4 THEN 'Vervelend om te horen, we nemen contact met u op.' END AS reply,
                   CASE WHEN tone = 'neg' AND u_text < 0.4 THEN published_at + INTERVAL 5 HOUR END AS reply_at,
                   NULL AS reply_author,
                   published_at + INTERVAL 1 HOUR AS fetched_at, NULL AS provenance, NULL AS verification,
                   NULL AS provenance_raw,
                   md5(source || ':' || 'syn-' || $seed || '-' || i) AS mention_id, tone, u_score, u_scored
            FROM gen
            WHERE md5(source || ':' || 'syn-' || $seed || '-' || i) NOT IN (SELECT mention_id FROM mentions)
            """,
            {"seed": seed},
        )
        # through the warehouse's own writers, so the maintained tables are in sync as after a real run
        upsert_mentions(con, con.sql("SELECT * EXCLUDE (mention_id, tone, u_score, u_scored) FROM gen_mentions").to_arrow_table())
        store_scores(con, con.sql(
            f"""
            SELECT mention_id, '{MODEL_ID}' AS model_id, md5(concat_ws('. ', nullif(trim(title), ''), text)) AS text_md5,
                   tone AS label,
                   CASE tone WHEN 'neg' THEN -0.45 - 0.5 * u_score WHEN 'pos' THEN 0.45 + 0.5 * u_score
                             ELSE 0.3 * u_score - 0.15 END AS score,
                   CASE tone WHEN 'neg' THEN 0.8 ELSE 0.1 END AS p_neg,
                   CASE tone WHEN 'neu' THEN 0.8 ELSE 0.1 END AS p_neu,
                   CASE tone WHEN 'pos' THEN 0.8 ELSE 0.1 END AS p_pos,
                   language
            FROM gen_mentions
            WHERE u_scored >= {unscored_share!r}
            """
        ).to_arrow_table())
        if insights:
            _insights(con, brands, start, end, days, survey_answers if survey_answers is not None else max(300, mentions // 200),
                      seed, aspect_keys, term_lists)
        if alerts:
            _alerts(con, brands, end, seed)
        con.execute("DROP TABLE gen; DROP TABLE gen_mentions")
        con.execute("CHECKPOINT")


def _insights(con, brands, start: date, end: date, days: int, answers: int, seed: int, aspect_keys: str,
              term_lists: str) -> None:
    con.execute("DELETE FROM insight_aspects")
    con.executemany("INSERT INTO insight_aspects VALUES (?, ?, ?)",
                    [[a[0], a[1], i] for i, a in enumerate(ASPECTS, start=1)])
    con.execute("DELETE FROM insight_brands")
    con.executemany("INSERT INTO insight_brands (brand, own, position) VALUES (?, ?, ?)",
                    [[b[0], b[1], i] for i, b in enumerate(brands, start=1)])
    _run(con,
        f"""
        CREATE OR REPLACE TEMP TABLE tagged AS
        SELECT m.mention_id, g.i, g.tone, g.u_score, g.u_text, 1 AS sentence_no, g.aspect1 AS a, g.sentence1 AS sentence
        FROM gen AS g JOIN mentions AS m ON m.external_id = 'syn-' || $seed || '-' || g.i AND m.source = g.source
        UNION ALL
        SELECT m.mention_id, g.i, CASE WHEN g.u_text < 0.5 THEN 'pos' ELSE 'neu' END, g.u_score, g.u_text, 2, g.aspect2, g.sentence2
        FROM gen AS g JOIN mentions AS m ON m.external_id = 'syn-' || $seed || '-' || g.i AND m.source = g.source
        WHERE g.aspect2 IS NOT NULL;

        INSERT INTO aspect_sentences (mention_id, sentence_no, sentence, model_id, label, score, p_neg, p_neu, p_pos, scored_at)
        SELECT mention_id, sentence_no, sentence, '{MODEL_ID}', tone,
               CASE tone WHEN 'neg' THEN -0.4 - 0.5 * u_score WHEN 'pos' THEN 0.4 + 0.5 * u_score ELSE 0.2 * u_score - 0.1 END,
               CASE tone WHEN 'neg' THEN 0.75 ELSE 0.1 END, CASE tone WHEN 'neu' THEN 0.75 ELSE 0.15 END,
               CASE tone WHEN 'pos' THEN 0.75 ELSE 0.1 END, now()
        FROM tagged;

        INSERT INTO aspect_tags (mention_id, sentence_no, aspect, term)
        SELECT mention_id, sentence_no, {aspect_keys}[a], {term_lists}[a][1][2] FROM tagged;

        INSERT INTO mention_terms (mention_id, term, surface)
        SELECT DISTINCT mention_id, t[1], t[2]
        FROM (SELECT mention_id, {term_lists}[a][1 + CAST(floor(u_text * len({term_lists}[a])) AS INTEGER)] AS t FROM tagged);
        DROP TABLE tagged;
        """,
        {"seed": seed},
    )
    # The survey: more about price and quality, less about delivery, than the public.
    survey_aspect = _pick(_u(21), [a[3] for a in ASPECTS], [str(i) for i in range(1, len(ASPECTS) + 1)])
    answer_lists = "[" + ", ".join(_list(SURVEY_ANSWERS[a[0]]) for a in ASPECTS) + "]"
    _run(con,
        f"""
        CREATE OR REPLACE TEMP TABLE survey AS
        SELECT i, {survey_aspect} AS a,
               CAST(least(10, greatest(0, round(7.0 + 3.2 * (({_u(22)} + {_u(23)} + {_u(24)}) / 3 - 0.5) * 3.4))) AS INTEGER) AS score,
               DATE '{start.isoformat()}' + CAST(floor({days} * {_u(25)}) AS INTEGER) AS answered_on,
               {_u(26)} AS u_text
        FROM range($answers) AS t(i);

        INSERT INTO survey_answers (answer_id, brand, answered_on, score, answer, segment, source_file, source_row, imported_at, tagger_version)
        SELECT md5('survey-' || $seed || '-' || i), {_sql_str(brands[0][0])}, answered_on, score,
               CASE WHEN score <= 6 THEN {answer_lists}[a][1 + CAST(floor(u_text * len({answer_lists}[a])) AS INTEGER)]
                    ELSE 'Tevreden, doe zo voort.' END,
               CASE WHEN u_text < 0.5 THEN 'online' ELSE 'winkel' END, 'enquete.csv', i + 2, now(), 'synthetic'
        FROM survey
        ON CONFLICT DO NOTHING;

        INSERT INTO survey_aspects (answer_id, aspect, term)
        SELECT md5('survey-' || $seed || '-' || i), {aspect_keys}[a], {term_lists}[a][1][2] FROM survey WHERE score <= 6;

        INSERT INTO survey_terms (answer_id, term, surface)
        SELECT md5('survey-' || $seed || '-' || i), t[1], t[2]
        FROM (SELECT i, {term_lists}[a][1 + CAST(floor(u_text * len({term_lists}[a])) AS INTEGER)] AS t FROM survey WHERE score <= 6);
        DROP TABLE survey;
        """,
        {"seed": seed, "answers": answers},
    )
    # Key drivers: a plausible table (the real one comes from insights.drivers' regression).
    con.execute("DELETE FROM key_drivers")
    _run(con,
        """
        INSERT INTO key_drivers
        WITH a AS (
            SELECT brand, aspect, count(*) FILTER (WHERE grade IS NOT NULL) AS mentioned,
                   avg(sentiment_score) AS mean_score, avg(is_negative) AS share_negative
            FROM mention_aspects GROUP BY brand, aspect
        ), r AS (
            SELECT brand, count(*) AS reviews FROM mention_grades GROUP BY brand
        ), w AS (
            SELECT a.*, r.reviews,
                   (a.share_negative + 0.05) * a.mentioned / sum((a.share_negative + 0.05) * a.mentioned) OVER (PARTITION BY a.brand) AS weight
            FROM a JOIN r USING (brand)
        )
        SELECT brand, aspect, reviews, mentioned, 2.5 * weight + 0.3, 0.1, 0.001, weight, 0.42, mean_score,
               share_negative, (2.5 * weight + 0.3) * share_negative * mentioned / reviews, now()
        FROM w
        """
    )


def _alerts(con, brands, end: date, seed: int) -> None:
    own, rival, third = brands[0][0], brands[1 % len(brands)][0], brands[2 % len(brands)][0]
    # Samples: the most recent negative spike mentions about delivery (what the alert would pick).
    samples = [r[0] for r in con.execute(
        """SELECT m.mention_id FROM gen AS g
           JOIN mentions AS m ON m.external_id = 'syn-' || $seed || '-' || g.i AND m.source = g.source
           WHERE g.spike AND g.tone = 'neg' ORDER BY m.published_at DESC, m.mention_id LIMIT 3""",
        {"seed": seed},
    ).fetchall()]
    rival_samples = [r[0] for r in con.execute(
        "SELECT mention_id FROM mentions WHERE brand = ? AND source = 'trustpilot' ORDER BY published_at, mention_id LIMIT 2",
        [rival],
    ).fetchall()]
    rows = [
        # rule, brand, source, status, kind, start offset (days before end), length, resolved?, volume, observed, expected, p, test, severity, samples, terms
        ("negative_share", own, "all", "open", "daily", 2, 3, False, 180, 0.61, 0.2, 1e-9, "beta-binomial", 0.41,
         samples, ["bezorging", "te laat", "pakket kwijt"]),
        ("volume", rival, "trustpilot", "resolved", "daily", 40, 2, True, 95, 95.0, 28.0, 1e-6, "negative-binomial", 3.4,
         rival_samples, ["actie", "korting"]),
        ("rating_drop", third, "kiyoh", "level_shift", "daily", 25, 9, True, 40, 0.35, 0.6, 0.002, "welch-t", 0.25,
         [], ["kwaliteit"]),
    ]
    for (rule, brand, source, status, kind, offset, length, resolved, volume, observed, expected, p, test,
         severity, ids, terms) in rows:
        first = end - timedelta(days=offset)
        _run(con,
            """
            INSERT INTO alerts (rule, brand, source, status, window_kind, window_start, window_end, episode_start,
                                first_fired_at, last_fired_at, resolved_at, volume, observed, expected, baseline_volume,
                                p_value, test, severity, peak_severity, notified_severity, evaluations,
                                recovery_notified, sample_mention_ids, top_terms, created_at, updated_at)
            SELECT $rule, $brand, $source, $status, $kind, ws, ws + INTERVAL 1 DAY, es, es + INTERVAL 30 HOUR,
                   ws + INTERVAL 30 HOUR, CASE WHEN $resolved THEN ws + INTERVAL 40 HOUR END, $volume, $observed,
                   $expected, 900, $p, $test, $severity, $severity, $severity, $length, $resolved, $ids, $terms,
                   now(), now()
            FROM (SELECT timezone('Europe/Amsterdam', CAST($first AS TIMESTAMP)) AS es,
                         timezone('Europe/Amsterdam', CAST($last AS TIMESTAMP)) AS ws)
            """,
            {"rule": rule, "brand": brand, "source": source, "status": status, "kind": kind,
             "first": first, "last": first + timedelta(days=length - 1), "resolved": resolved,
             "volume": volume, "observed": observed, "expected": expected, "p": p, "test": test,
             "severity": severity, "length": length, "ids": ids, "terms": terms},
        )
