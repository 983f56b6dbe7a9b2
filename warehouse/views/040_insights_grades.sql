-- Ratings as Dutch report grades (1-10), with the NPS split and the three levels of the
-- product brief. Only mentions with a rating.
--   grade:  1..5-star scales: 2 x stars (1*=2, 2*=4, 3*=6, 4*=8, 5*=10; half stars round);
--           any other scale:  1 + 9 x rating_normalised, rounded.
--   nps_group: promoter 9-10, passive 7-8, detractor 1-6.
--   level:  below_basics 1-5, basics 6, customer_focused 7-8, delight 9-10 (the brief's
--           "basics 6-7, customer-focused 7-8, delight 9-10" overlap at 7; a satisfied
--           customer's 7 counts as customer-focused, so levels and NPS groups line up).
CREATE OR REPLACE VIEW mention_grades AS
WITH graded AS (
    SELECT
        m.mention_id,
        m.brand,
        m.source,
        m.kind,
        amsterdam_day(m.published_at) AS day,
        m.rating,
        m.rating_min,
        m.rating_max,
        m.rating_normalised,
        CASE WHEN m.rating_min = 1 AND m.rating_max = 5 THEN 2 * m.rating
             ELSE 1 + 9 * m.rating_normalised END AS grade_value,
        CASE WHEN m.provenance = 'invited' THEN 'invited' ELSE 'organic' END AS population  -- docs/provenance.md
    FROM mentions AS m
    WHERE m.rating IS NOT NULL AND m.rating_normalised IS NOT NULL
), rounded AS (
    SELECT *, CAST(least(10, greatest(1, round(grade_value))) AS INTEGER) AS grade FROM graded
)
SELECT
    *,
    CASE WHEN grade >= 9 THEN 'promoter' WHEN grade >= 7 THEN 'passive' ELSE 'detractor' END AS nps_group,
    CASE WHEN grade >= 9 THEN 'Promotor' WHEN grade >= 7 THEN 'Passief' ELSE 'Criticaster' END AS nps_group_label,
    CASE WHEN grade >= 9 THEN 'delight' WHEN grade >= 7 THEN 'customer_focused'
         WHEN grade = 6 THEN 'basics' ELSE 'below_basics' END AS level,
    CASE WHEN grade >= 9 THEN 'Enthousiasmerend' WHEN grade >= 7 THEN 'Klantgericht'
         WHEN grade = 6 THEN 'Basis op orde' ELSE 'Onder de basis' END AS level_label,
    grade <= 6 AS unhappy
FROM rounded;

-- Every graded response in one place: public ratings (origin 'review', source = the
-- review source) and the company's survey answers (origin 'survey', source 'survey',
-- grade = the survey score 0-10). population: 'invited' for reviews the company asked for,
-- else 'organic' (the survey is the company's own channel and has its own rows).
CREATE OR REPLACE VIEW satisfaction_responses AS
SELECT mention_id AS response_id, 'review' AS origin, brand, source, day, grade, grade_value,
       nps_group, nps_group_label, level, level_label, unhappy, population
FROM mention_grades
UNION ALL
SELECT
    answer_id, 'survey', coalesce(brand, (SELECT min(brand) FROM insight_brands WHERE own)), 'survey',
    answered_on, score, CAST(score AS DOUBLE),
    CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive' ELSE 'detractor' END,
    CASE WHEN score >= 9 THEN 'Promotor' WHEN score >= 7 THEN 'Passief' ELSE 'Criticaster' END,
    CASE WHEN score >= 9 THEN 'delight' WHEN score >= 7 THEN 'customer_focused'
         WHEN score = 6 THEN 'basics' ELSE 'below_basics' END,
    CASE WHEN score >= 9 THEN 'Enthousiasmerend' WHEN score >= 7 THEN 'Klantgericht'
         WHEN score = 6 THEN 'Basis op orde' ELSE 'Onder de basis' END,
    score <= 6,
    'organic'
FROM survey_answers;
