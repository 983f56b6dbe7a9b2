-- mentions_scored and daily_sentiment on the incrementally maintained tables of migration 004
-- (current_scores, daily_aggregates): the same columns as their computation from the base
-- tables (010, 020), but the cost of a query grows with the days it asks for, not with the
-- history. A filter on day, published_at, brand or source skips the rest.

-- Do the maintained tables account for every mention and score? false after rows were written
-- by hand (or by a test fixture) past warehouse.load/scores; then the views below compute
-- everything from mentions and sentiment_scores (010, 020) until the next daily run or
-- `klantstem warehouse rebuild` rebuilds the tables.
CREATE OR REPLACE VIEW warehouse_sync_status AS
SELECT
    n.mentions_rows,
    n.scores_rows,
    s.mentions_rows AS maintained_mentions_rows,
    s.scores_rows   AS maintained_scores_rows,
    s.rebuilt_at,
    coalesce(s.mentions_rows = n.mentions_rows AND s.scores_rows = n.scores_rows, false) AS in_sync
FROM (SELECT (SELECT count(*) FROM mentions) AS mentions_rows,
             (SELECT count(*) FROM sentiment_scores) AS scores_rows) AS n
LEFT JOIN (SELECT * FROM warehouse_sync LIMIT 1) AS s ON true;

-- The fallback half of mentions_scored: computed from mentions and sentiment_scores (010), with
-- rows only while warehouse_sync_status.in_sync is false.
CREATE OR REPLACE VIEW mentions_scored_recomputed AS
SELECT * FROM mentions_scored_from_base((SELECT NOT in_sync FROM warehouse_sync_status));

-- Every mention with its current sentiment: a person's correction where there is one, else the
-- most recent score of any model (model_sentiment keeps the model's own label).
CREATE OR REPLACE VIEW mentions_scored AS
SELECT
    m.mention_id,
    m.brand,
    m.source,
    m.kind,
    m.url,
    m.published_at,
    c.day,                                                            -- Amsterdam calendar day
    m.title,
    m.text,
    m.rating,
    m.rating_normalised,
    m.author,
    m.reply IS NOT NULL                           AS has_reply,
    coalesce(c.language, m.language)              AS language,
    coalesce(c.corrected_label, c.label)          AS sentiment,
    CAST(coalesce(c.corrected_label, c.label) = 'neg' AS INTEGER) AS is_negative,   -- NULL while unscored
    CAST(coalesce(c.corrected_label, c.label) = 'neu' AS INTEGER) AS is_neutral,
    CAST(coalesce(c.corrected_label, c.label) = 'pos' AS INTEGER) AS is_positive,
    coalesce(label_polarity(c.corrected_label), c.score) AS sentiment_score,
    c.model_id,
    c.scored_at,
    c.label                                       AS model_sentiment,
    c.corrected_label IS NOT NULL                 AS corrected,
    m.provenance,
    m.verification,
    m.provenance_raw,
    CASE WHEN m.provenance = 'invited' THEN 'invited' ELSE 'organic' END AS population
FROM mentions AS m
-- published_at in the join lets a filter on day (current_scores) also skip parts of mentions
JOIN current_scores AS c ON c.mention_id = m.mention_id AND c.published_at = m.published_at
CROSS JOIN (SELECT 1 FROM warehouse_sync_status WHERE in_sync) AS gate
UNION ALL
SELECT * FROM mentions_scored_recomputed;

-- Daily sentiment per brand and source (Amsterdam calendar days), plus one row per brand
-- and day over all sources (source = 'all'): the line a reputation manager looks at first.
-- Shares are of *scored* mentions, so a day whose texts are not scored yet does not look
-- artificially positive; `scored` says how many that is. The headline columns are the organic
-- population (everything not invited by the company); the invited_* columns stand beside them
-- and total_volume / invited_share say how the day was mixed (docs/provenance.md).
CREATE OR REPLACE VIEW daily_sentiment AS
SELECT
    a.day,
    a.brand,
    coalesce(a.source, 'all')                          AS source,
    CAST(coalesce(sum(a.volume) FILTER (WHERE o), 0) AS BIGINT)  AS volume,
    CAST(coalesce(sum(a.scored) FILTER (WHERE o), 0) AS BIGINT)  AS scored,
    sum(a.negative) FILTER (WHERE o) / nullif(sum(a.scored) FILTER (WHERE o), 0)   AS share_negative,
    sum(a.neutral) FILTER (WHERE o) / nullif(sum(a.scored) FILTER (WHERE o), 0)    AS share_neutral,
    sum(a.positive) FILTER (WHERE o) / nullif(sum(a.scored) FILTER (WHERE o), 0)   AS share_positive,
    sum(a.score_sum) FILTER (WHERE o) / nullif(sum(a.scored) FILTER (WHERE o), 0)  AS mean_score,
    CAST(coalesce(sum(a.rated) FILTER (WHERE o), 0) AS BIGINT)   AS rated,
    sum(a.rating_sum) FILTER (WHERE o) / nullif(sum(a.rated) FILTER (WHERE o), 0)  AS mean_rating_normalised,
    CAST(coalesce(sum(a.volume) FILTER (WHERE i), 0) AS BIGINT)  AS invited_volume,
    CAST(coalesce(sum(a.scored) FILTER (WHERE i), 0) AS BIGINT)  AS invited_scored,
    sum(a.negative) FILTER (WHERE i) / nullif(sum(a.scored) FILTER (WHERE i), 0)   AS invited_share_negative,
    sum(a.score_sum) FILTER (WHERE i) / nullif(sum(a.scored) FILTER (WHERE i), 0)  AS invited_mean_score,
    CAST(coalesce(sum(a.rated) FILTER (WHERE i), 0) AS BIGINT)   AS invited_rated,
    sum(a.rating_sum) FILTER (WHERE i) / nullif(sum(a.rated) FILTER (WHERE i), 0)  AS invited_mean_rating_normalised,
    CAST(sum(a.volume) AS BIGINT)                      AS total_volume,
    coalesce(sum(a.volume) FILTER (WHERE i), 0) / sum(a.volume) AS invited_share
FROM (SELECT *, population = 'organic' AS o, population = 'invited' AS i FROM daily_aggregates) AS a
CROSS JOIN (SELECT 1 FROM warehouse_sync_status WHERE in_sync) AS gate
GROUP BY GROUPING SETS ((a.day, a.brand, a.source), (a.day, a.brand))
UNION ALL
SELECT * FROM daily_sentiment_from_base((SELECT NOT in_sync FROM warehouse_sync_status));
