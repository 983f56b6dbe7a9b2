-- Own brand and every competitor side by side: per aspect (and aspect = 'overall' for the
-- brand as a whole) the same metrics, the own brand's values on the same row and the
-- difference (brand - own). rank_share_negative = 1 is the least negative brand. Organic
-- population only (docs/provenance.md), like aspect_performance.
CREATE OR REPLACE VIEW competitor_benchmark AS
WITH overall AS (
    SELECT
        ms.brand,
        'overall'                       AS aspect,
        'Totaal'                        AS aspect_label,
        0                               AS position,
        count(*)                        AS mentions,
        1.0                             AS importance,
        avg(ms.is_negative)             AS share_negative,
        avg(ms.sentiment_score)         AS mean_score,
        count(g.grade)                  AS rated,
        avg(g.grade_value)              AS mean_grade,
        avg(CAST(g.unhappy AS INTEGER)) AS share_unhappy,
        round(100 * (avg(CAST(g.nps_group = 'promoter' AS INTEGER)) - avg(CAST(g.nps_group = 'detractor' AS INTEGER))), 1) AS nps
    FROM mentions_scored AS ms
    LEFT JOIN mention_grades AS g USING (mention_id)
    WHERE ms.population = 'organic'  -- a competitor that invites heavily must not look better for it
    GROUP BY ms.brand
), per_aspect AS (
    SELECT brand, aspect, aspect_label, position, mentions, importance, share_negative, mean_score,
           rated, mean_grade, share_unhappy, CAST(NULL AS DOUBLE) AS nps
    FROM aspect_performance
), metrics AS (
    SELECT * FROM overall
    UNION ALL
    SELECT * FROM per_aspect
), own AS (
    SELECT m.* FROM metrics AS m JOIN insight_brands AS b ON b.brand = m.brand AND b.own
    QUALIFY row_number() OVER (PARTITION BY m.aspect ORDER BY b.position) = 1  -- first own brand
)
SELECT
    m.aspect,
    m.aspect_label,
    m.position,
    m.brand,
    coalesce(b.own, false)                 AS own,
    b.position                             AS brand_position,
    m.mentions,
    m.importance,
    m.share_negative,
    m.mean_score,
    m.rated,
    m.mean_grade,
    m.share_unhappy,
    m.nps,
    o.brand                                AS own_brand,
    o.share_negative                       AS own_share_negative,
    o.mean_score                           AS own_mean_score,
    o.mean_grade                           AS own_mean_grade,
    o.share_unhappy                        AS own_share_unhappy,
    m.share_negative - o.share_negative    AS delta_share_negative,
    m.mean_score - o.mean_score            AS delta_mean_score,
    m.mean_grade - o.mean_grade            AS delta_mean_grade,
    CASE WHEN m.share_negative IS NOT NULL THEN
        rank() OVER (PARTITION BY m.aspect, m.share_negative IS NULL ORDER BY m.share_negative) END AS rank_share_negative
FROM metrics AS m
LEFT JOIN insight_brands AS b ON b.brand = m.brand
LEFT JOIN own AS o ON o.aspect = m.aspect;
