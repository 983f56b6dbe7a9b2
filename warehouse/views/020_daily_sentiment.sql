-- Reference definition, computed from the base tables on every query. In a warehouse with
-- migration 004, 050_incremental.sql replaces daily_sentiment with the same columns read from the
-- incrementally maintained tables (and falls back to this computation when they lag).
-- Daily sentiment per brand and source (Amsterdam calendar days), plus one row per brand
-- and day over all sources (source = 'all'): the line a reputation manager looks at first.
-- Shares are of *scored* mentions, so a day whose texts are not scored yet does not look
-- artificially positive; `scored` says how many that is.
CREATE OR REPLACE VIEW daily_sentiment AS
SELECT
    day,
    brand,
    coalesce(source, 'all')   AS source,
    count(*)                  AS volume,
    count(sentiment)          AS scored,
    avg(is_negative)          AS share_negative,
    avg(is_neutral)           AS share_neutral,
    avg(is_positive)          AS share_positive,
    avg(sentiment_score)      AS mean_score,
    count(rating_normalised)  AS rated,
    avg(rating_normalised)    AS mean_rating_normalised
FROM mentions_scored
GROUP BY GROUPING SETS ((day, brand, source), (day, brand));
