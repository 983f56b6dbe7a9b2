-- Grade distribution per brand and source: every grade 1-10 (0-10 for the survey) with its
-- count and share, so a 7.4 average built from many 10s and a large unhappy base is visible
-- as such. source = 'all' sums the public review sources (never the survey). Counts and
-- shares are of the organic population; invited_responses / invited_share beside them are
-- the reviews the company invited (docs/provenance.md).
CREATE OR REPLACE VIEW grade_distribution AS
WITH per_source AS (
    SELECT brand, source, grade, count(*) FILTER (WHERE population = 'organic') AS responses,
           count(*) FILTER (WHERE population = 'invited') AS invited_responses
    FROM satisfaction_responses
    GROUP BY brand, source, grade
    UNION ALL
    SELECT brand, 'all', grade, count(*) FILTER (WHERE population = 'organic'),
           count(*) FILTER (WHERE population = 'invited')
    FROM satisfaction_responses
    WHERE origin = 'review'
    GROUP BY brand, grade
), groups AS (
    SELECT DISTINCT brand, source FROM per_source
), grid AS (
    SELECT g.brand, g.source, CAST(r.grade AS INTEGER) AS grade
    FROM groups AS g
    CROSS JOIN range(0, 11) AS r(grade)
    WHERE r.grade >= 1 OR g.source = 'survey'
)
SELECT
    grid.brand,
    coalesce(b.own, false) AS own,
    grid.source,
    grid.grade,
    CASE WHEN grid.grade >= 9 THEN 'Promotor' WHEN grid.grade >= 7 THEN 'Passief' ELSE 'Criticaster' END AS nps_group_label,
    CASE WHEN grid.grade >= 9 THEN 'Enthousiasmerend' WHEN grid.grade >= 7 THEN 'Klantgericht'
         WHEN grid.grade = 6 THEN 'Basis op orde' ELSE 'Onder de basis' END AS level_label,
    coalesce(p.responses, 0) AS responses,
    coalesce(p.responses, 0) / sum(coalesce(p.responses, 0)) OVER (PARTITION BY grid.brand, grid.source) AS share,
    coalesce(p.invited_responses, 0) AS invited_responses,
    coalesce(p.invited_responses, 0)
        / nullif(sum(coalesce(p.invited_responses, 0)) OVER (PARTITION BY grid.brand, grid.source), 0) AS invited_share
FROM grid
LEFT JOIN per_source AS p USING (brand, source, grade)
LEFT JOIN insight_brands AS b ON b.brand = grid.brand;

-- Satisfaction per brand and source (source 'all' = public reviews, 'survey' = survey):
-- mean grade and its level, NPS split, the three levels and the share of unhappy customers
-- (grade 6 or lower: below the 7 a satisfied customer gives; the same people as detractors).
-- Of the organic population; the invited_* columns beside them are the reviews the company
-- invited (docs/provenance.md), so an invitation campaign does not lift the NPS.
CREATE OR REPLACE VIEW satisfaction_summary AS
WITH all_responses AS (
    SELECT brand, source, grade, grade_value, nps_group, level, population FROM satisfaction_responses
    UNION ALL
    SELECT brand, 'all', grade, grade_value, nps_group, level, population FROM satisfaction_responses WHERE origin = 'review'
), responses AS (
    SELECT * FROM all_responses WHERE population = 'organic'
), invited AS (
    SELECT brand, source, count(*) AS invited_responses, avg(grade_value) AS invited_mean_grade,
           round(100 * (avg(CAST(nps_group = 'promoter' AS INTEGER)) - avg(CAST(nps_group = 'detractor' AS INTEGER))), 1)
               AS invited_nps,
           avg(CAST(grade <= 6 AS INTEGER)) AS invited_share_unhappy
    FROM all_responses WHERE population = 'invited'
    GROUP BY brand, source
), summary AS (
    SELECT
        brand,
        source,
        count(*)                                         AS responses,
        avg(grade_value)                                 AS mean_grade,
        avg(CAST(grade <= 6 AS INTEGER))                 AS share_unhappy,
        avg(CAST(nps_group = 'promoter' AS INTEGER))     AS share_promoters,
        avg(CAST(nps_group = 'passive' AS INTEGER))      AS share_passives,
        avg(CAST(nps_group = 'detractor' AS INTEGER))    AS share_detractors,
        avg(CAST(level = 'below_basics' AS INTEGER))     AS share_below_basics,
        avg(CAST(level = 'basics' AS INTEGER))           AS share_basics,
        avg(CAST(level = 'customer_focused' AS INTEGER)) AS share_customer_focused,
        avg(CAST(level = 'delight' AS INTEGER))          AS share_delight
    FROM responses
    GROUP BY brand, source
)
SELECT
    s.brand,
    coalesce(b.own, false) AS own,
    s.source,
    s.responses,
    s.mean_grade,
    CASE WHEN s.mean_grade >= 9 THEN 'Enthousiasmerend' WHEN s.mean_grade >= 7 THEN 'Klantgericht'
         WHEN s.mean_grade >= 6 THEN 'Basis op orde' ELSE 'Onder de basis' END AS level_of_mean,
    round(100 * (s.share_promoters - s.share_detractors), 1) AS nps,
    s.share_promoters, s.share_passives, s.share_detractors, s.share_unhappy,
    s.share_below_basics, s.share_basics, s.share_customer_focused, s.share_delight,
    coalesce(i.invited_responses, 0) AS invited_responses,
    i.invited_mean_grade,
    i.invited_nps,
    i.invited_share_unhappy
FROM summary AS s
LEFT JOIN invited AS i USING (brand, source)
LEFT JOIN insight_brands AS b USING (brand);
