-- Importance x performance ("which fix raises satisfaction most"), from the key_drivers
-- table the insights refresh computes. importance = the aspect's share of the explained
-- variance of the review grade (relative weight); performance = mean aspect sentiment.
-- Quadrants compare each aspect with the brand's average importance and performance:
--   fix_first  'Eerst verbeteren'  important and below average performance
--   keep       'Vasthouden'        important and above average
--   monitor    'In de gaten houden' less important, below average
--   overkill   'Minder belangrijk'  less important, above average
-- priority 1 = the largest gain_if_fixed: grade points the brand's mean grade would rise
-- if every negative judgement of the aspect became neutral.
CREATE OR REPLACE VIEW key_driver_matrix AS
WITH d AS (
    SELECT
        k.*,
        avg(k.relative_weight) OVER (PARTITION BY k.brand) AS avg_weight,
        avg(k.mean_score) OVER (PARTITION BY k.brand)      AS avg_score
    FROM key_drivers AS k
)
SELECT
    d.brand,
    coalesce(b.own, false)               AS own,
    d.aspect,
    coalesce(a.label, d.aspect)          AS aspect_label,
    d.reviews,
    d.mentioned,
    d.coefficient                        AS impact,
    d.p_value,
    d.relative_weight                    AS importance,
    d.mean_score                         AS performance,
    d.share_negative,
    d.gain_if_fixed,
    d.r_squared,
    driver_quadrant(d.relative_weight, d.avg_weight, d.mean_score, d.avg_score) AS quadrant,
    driver_quadrant_label(driver_quadrant(d.relative_weight, d.avg_weight, d.mean_score, d.avg_score))
                                         AS quadrant_label,
    rank() OVER (PARTITION BY d.brand ORDER BY d.gain_if_fixed DESC NULLS LAST) AS priority
FROM d
LEFT JOIN insight_aspects AS a ON a.aspect = d.aspect
LEFT JOIN insight_brands AS b ON b.brand = d.brand;
