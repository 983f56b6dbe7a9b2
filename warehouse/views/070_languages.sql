-- Language as a dimension (docs/insights.md, "Languages"). A brand is monitored in the
-- languages of its monitor.toml `languages` (default nl, fr, en; stored by the insights
-- refresh in insight_brands.languages). Every mention counts in one language group:
--   its detected language (else the language its source states) when the brand monitors it;
--   the brand's first language when it is unknown (too short to detect);
--   'other' for any other language: kept and counted, never mixed into a language's figures.
-- The figures over all languages (daily_sentiment, aspect_performance, ...) are unchanged.

CREATE OR REPLACE MACRO language_group(language, languages) AS
    CASE WHEN language IS NULL THEN languages[1]
         WHEN list_contains(languages, language) THEN language
         ELSE 'other' END;

-- The languages each brand with mentions is monitored in.
CREATE OR REPLACE VIEW brand_languages AS
SELECT b.brand, coalesce(ib.languages, ['nl', 'fr', 'en']) AS languages
FROM (SELECT DISTINCT brand FROM mentions) AS b
LEFT JOIN insight_brands AS ib USING (brand);

-- Every mention's language group (language) beside the detected or stated one.
CREATE OR REPLACE VIEW mention_languages AS
SELECT ms.mention_id, ms.brand, ms.language AS detected_language,
       language_group(ms.language, bl.languages) AS language
FROM mentions_scored AS ms
JOIN brand_languages AS bl USING (brand);

-- daily_sentiment per language group: day, brand, source ('all' = every source), language.
-- Read from the maintained daily_aggregates (detected language) while in sync, else
-- computed from mentions_scored_recomputed, as daily_sentiment does. Organic population,
-- with the invited volume beside it (docs/provenance.md).
CREATE OR REPLACE VIEW daily_sentiment_by_language AS
WITH rows AS (
    SELECT a.day, a.brand, a.source, language_group(a.language, bl.languages) AS language,
           a.population, a.volume, a.scored, a.negative, a.neutral, a.positive, a.score_sum, a.rated, a.rating_sum
    FROM daily_aggregates AS a
    JOIN brand_languages AS bl USING (brand)
    CROSS JOIN (SELECT 1 FROM warehouse_sync_status WHERE in_sync) AS gate
    UNION ALL
    SELECT m.day, m.brand, m.source, language_group(m.language, bl.languages), m.population,
           1, CAST(m.sentiment IS NOT NULL AS INTEGER), m.is_negative, m.is_neutral, m.is_positive,
           m.sentiment_score, CAST(m.rating_normalised IS NOT NULL AS INTEGER), m.rating_normalised
    FROM mentions_scored_recomputed AS m
    JOIN brand_languages AS bl USING (brand)
), o AS (
    SELECT *, population = 'organic' AS o, population = 'invited' AS i FROM rows
)
SELECT
    day,
    brand,
    coalesce(source, 'all')                                              AS source,
    language,
    CAST(coalesce(sum(volume) FILTER (WHERE o), 0) AS BIGINT)            AS volume,
    CAST(coalesce(sum(scored) FILTER (WHERE o), 0) AS BIGINT)            AS scored,
    sum(negative) FILTER (WHERE o) / nullif(sum(scored) FILTER (WHERE o), 0)  AS share_negative,
    sum(neutral) FILTER (WHERE o) / nullif(sum(scored) FILTER (WHERE o), 0)   AS share_neutral,
    sum(positive) FILTER (WHERE o) / nullif(sum(scored) FILTER (WHERE o), 0)  AS share_positive,
    sum(score_sum) FILTER (WHERE o) / nullif(sum(scored) FILTER (WHERE o), 0) AS mean_score,
    CAST(coalesce(sum(rated) FILTER (WHERE o), 0) AS BIGINT)             AS rated,
    sum(rating_sum) FILTER (WHERE o) / nullif(sum(rated) FILTER (WHERE o), 0) AS mean_rating_normalised,
    CAST(coalesce(sum(volume) FILTER (WHERE i), 0) AS BIGINT)            AS invited_volume,
    CAST(sum(volume) AS BIGINT)                                          AS total_volume
FROM o
GROUP BY GROUPING SETS ((day, brand, source, language), (day, brand, language));

-- Per brand and language group: how many mentions, the share that names a journey step
-- (the language's term lists at work: a language whose share lags far behind the others'
-- is read badly), sentiment, and the graded reviews' mean grade, NPS and share unhappy.
-- Organic population.
CREATE OR REPLACE VIEW language_overview AS
WITH m AS (
    SELECT ml.brand, ml.language, ml.detected_language, ms.mention_id, ms.is_negative, ms.sentiment_score,
           t.mention_id IS NOT NULL AS tagged,
           EXISTS (SELECT 1 FROM aspect_tags AS a WHERE a.mention_id = ms.mention_id) AS with_step,
           g.grade, g.grade_value, g.nps_group
    FROM mention_languages AS ml
    JOIN mentions_scored AS ms USING (mention_id)
    LEFT JOIN insight_tagged AS t USING (mention_id)
    LEFT JOIN mention_grades AS g USING (mention_id)
    WHERE ms.population = 'organic'
)
SELECT
    m.brand,
    coalesce(b.own, false)                                       AS own,
    m.language,
    count(*)                                                     AS mentions,
    count(*) / sum(count(*)) OVER (PARTITION BY m.brand)         AS share_of_brand,
    count(*) FILTER (WHERE tagged)                               AS tagged,
    count(*) FILTER (WHERE with_step)                            AS with_step,
    count(*) FILTER (WHERE with_step) / nullif(count(*) FILTER (WHERE tagged), 0) AS share_with_step,
    avg(is_negative)                                             AS share_negative,
    avg(sentiment_score)                                         AS mean_score,
    count(grade)                                                 AS rated,
    avg(grade_value)                                             AS mean_grade,
    round(100 * (avg(CAST(nps_group = 'promoter' AS INTEGER)) - avg(CAST(nps_group = 'detractor' AS INTEGER))), 1) AS nps,
    avg(CAST(grade <= 6 AS INTEGER))                             AS share_unhappy,
    list_sort(list_distinct(list(detected_language) FILTER (WHERE detected_language IS NOT NULL))) AS detected_languages
FROM m
LEFT JOIN insight_brands AS b ON b.brand = m.brand
GROUP BY m.brand, b.own, m.language;

-- aspect_performance per language group: per brand, language and aspect how often the aspect
-- is mentioned (importance = share of the brand's mentions in that language) and how the
-- brand does on it. Organic population; every aspect has a row for each brand and language
-- with mentions.
CREATE OR REPLACE VIEW aspect_performance_by_language AS
WITH groups AS (
    SELECT ml.brand, ml.language, count(*) AS language_mentions
    FROM mention_languages AS ml JOIN mentions_scored AS ms USING (mention_id)
    WHERE ms.population = 'organic'
    GROUP BY ml.brand, ml.language
), agg AS (
    SELECT ma.brand, ml.language, ma.aspect,
           count(*)                      AS mentions,
           avg(ma.is_negative)           AS share_negative,
           avg(ma.sentiment_score)       AS mean_score,
           count(ma.grade)               AS rated,
           avg(ma.grade)                 AS mean_grade,
           avg(CAST(ma.unhappy AS INTEGER)) AS share_unhappy
    FROM mention_aspects AS ma
    JOIN mention_languages AS ml USING (mention_id)
    WHERE ma.population = 'organic'
    GROUP BY ma.brand, ml.language, ma.aspect
)
SELECT
    g.brand,
    coalesce(ib.own, false)                   AS own,
    g.language,
    a.aspect,
    a.label                                   AS aspect_label,
    a.position,
    g.language_mentions,
    coalesce(x.mentions, 0)                   AS mentions,
    coalesce(x.mentions, 0) / g.language_mentions AS importance,
    x.share_negative,
    x.mean_score,
    coalesce(x.rated, 0)                      AS rated,
    x.mean_grade,
    x.share_unhappy
FROM groups AS g
CROSS JOIN insight_aspects AS a
LEFT JOIN agg AS x ON x.brand = g.brand AND x.language = g.language AND x.aspect = a.aspect
LEFT JOIN insight_brands AS ib ON ib.brand = g.brand;

-- key_driver_matrix per language group, from key_drivers_by_language: quadrants and priority
-- compare each aspect with the brand's average within the same language.
CREATE OR REPLACE VIEW key_driver_matrix_by_language AS
WITH d AS (
    SELECT
        k.*,
        avg(k.relative_weight) OVER (PARTITION BY k.brand, k.language) AS avg_weight,
        avg(k.mean_score) OVER (PARTITION BY k.brand, k.language)      AS avg_score
    FROM key_drivers_by_language AS k
)
SELECT
    d.brand,
    coalesce(b.own, false)               AS own,
    d.language,
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
    rank() OVER (PARTITION BY d.brand, d.language ORDER BY d.gain_if_fixed DESC NULLS LAST) AS priority
FROM d
LEFT JOIN insight_aspects AS a ON a.aspect = d.aspect
LEFT JOIN insight_brands AS b ON b.brand = d.brand;

-- satisfaction_summary and grade_distribution per language group (public reviews, organic
-- population; the survey has no language group): per brand, language and source, with
-- source 'all' for every review source together.
CREATE OR REPLACE VIEW grade_distribution_by_language AS
WITH graded AS (
    SELECT g.brand, ml.language, g.source, g.grade
    FROM mention_grades AS g
    JOIN mention_languages AS ml USING (mention_id)
    WHERE g.population = 'organic'
), per_source AS (
    SELECT brand, language, source, grade, count(*) AS responses FROM graded GROUP BY ALL
    UNION ALL
    SELECT brand, language, 'all', grade, count(*) FROM graded GROUP BY ALL
), grid AS (
    SELECT DISTINCT p.brand, p.language, p.source, CAST(r.grade AS INTEGER) AS grade
    FROM per_source AS p CROSS JOIN range(1, 11) AS r(grade)
)
SELECT
    grid.brand,
    coalesce(b.own, false) AS own,
    grid.language,
    grid.source,
    grid.grade,
    coalesce(p.responses, 0) AS responses,
    coalesce(p.responses, 0) / sum(coalesce(p.responses, 0)) OVER (PARTITION BY grid.brand, grid.language, grid.source) AS share
FROM grid
LEFT JOIN per_source AS p USING (brand, language, source, grade)
LEFT JOIN insight_brands AS b ON b.brand = grid.brand;

CREATE OR REPLACE VIEW satisfaction_by_language AS
WITH graded AS (
    SELECT g.brand, ml.language, g.source, g.grade, g.grade_value, g.nps_group, g.level
    FROM mention_grades AS g
    JOIN mention_languages AS ml USING (mention_id)
    WHERE g.population = 'organic'
), responses AS (
    SELECT * FROM graded
    UNION ALL
    SELECT brand, language, 'all', grade, grade_value, nps_group, level FROM graded
), summary AS (
    SELECT
        brand, language, source,
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
    GROUP BY brand, language, source
)
SELECT
    s.brand,
    coalesce(b.own, false) AS own,
    s.language,
    s.source,
    s.responses,
    s.mean_grade,
    CASE WHEN s.mean_grade >= 9 THEN 'Enthousiasmerend' WHEN s.mean_grade >= 7 THEN 'Klantgericht'
         WHEN s.mean_grade >= 6 THEN 'Basis op orde' ELSE 'Onder de basis' END AS level_of_mean,
    round(100 * (s.share_promoters - s.share_detractors), 1) AS nps,
    s.share_promoters, s.share_passives, s.share_detractors, s.share_unhappy,
    s.share_below_basics, s.share_basics, s.share_customer_focused, s.share_delight
FROM summary AS s
LEFT JOIN insight_brands AS b ON b.brand = s.brand;
