-- Daily sentiment per brand and source (Amsterdam calendar days), plus one row per brand
-- and day over all sources (source = 'all'), computed from the base tables
-- (mentions_scored_from_base, 010): the view daily_sentiment (050_incremental.sql) reads the
-- maintained daily aggregates and uses this as its fallback half while they lag.
-- Shares are of *scored* mentions, so a day whose texts are not scored yet does not look
-- artificially positive; `scored` says how many that is. The headline columns are the organic
-- population (everything not invited by the company); the invited_* columns stand beside them
-- and total_volume / invited_share say how the day was mixed (docs/provenance.md).
CREATE OR REPLACE MACRO daily_sentiment_from_base(recompute) AS TABLE
SELECT
    day,
    brand,
    coalesce(source, 'all')   AS source,
    count(*) FILTER (WHERE o)                 AS volume,
    count(sentiment) FILTER (WHERE o)         AS scored,
    avg(is_negative) FILTER (WHERE o)         AS share_negative,
    avg(is_neutral) FILTER (WHERE o)          AS share_neutral,
    avg(is_positive) FILTER (WHERE o)         AS share_positive,
    avg(sentiment_score) FILTER (WHERE o)     AS mean_score,
    count(rating_normalised) FILTER (WHERE o) AS rated,
    avg(rating_normalised) FILTER (WHERE o)   AS mean_rating_normalised,
    count(*) FILTER (WHERE i)                 AS invited_volume,
    count(sentiment) FILTER (WHERE i)         AS invited_scored,
    avg(is_negative) FILTER (WHERE i)         AS invited_share_negative,
    avg(sentiment_score) FILTER (WHERE i)     AS invited_mean_score,
    count(rating_normalised) FILTER (WHERE i) AS invited_rated,
    avg(rating_normalised) FILTER (WHERE i)   AS invited_mean_rating_normalised,
    count(*)                            AS total_volume,
    count(*) FILTER (WHERE i) / count(*)      AS invited_share
FROM (SELECT *, population = 'organic' AS o, population = 'invited' AS i FROM mentions_scored_from_base(recompute))
GROUP BY GROUPING SETS ((day, brand, source), (day, brand));

-- The views from 030 on are created against this; 050_incremental.sql then puts the maintained
-- daily aggregates in front of it (same columns).
CREATE OR REPLACE VIEW daily_sentiment AS SELECT * FROM daily_sentiment_from_base(true);
