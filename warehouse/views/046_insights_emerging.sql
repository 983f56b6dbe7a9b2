-- Emerging topics: terms and phrases whose share of a brand's organic negative mentions rose
-- significantly in the last week versus the weeks before (computed by the insights refresh
-- into emerging_terms, insights/emerging.py; this view shows the latest as_of, significant
-- rows, with organic examples).
-- Per language: the terms of French texts are French stems, compared with French complaints.
CREATE OR REPLACE VIEW emerging_topics AS
WITH latest AS (
    SELECT * FROM emerging_terms
    WHERE significant AND as_of = (SELECT max(as_of) FROM emerging_terms)
), examples AS (
    SELECT l.brand, l.language, l.term,
           list(left(ms.text, 200) ORDER BY ms.published_at DESC, ms.mention_id)[1:3] AS examples
    FROM latest AS l
    JOIN mention_terms AS mt ON mt.term = l.term
    JOIN insight_tagged AS t ON t.mention_id = mt.mention_id AND t.language = l.language
    JOIN mentions_scored AS ms ON ms.mention_id = mt.mention_id AND ms.brand = l.brand
    WHERE ms.sentiment = 'neg' AND ms.population = 'organic' AND ms.day BETWEEN l.window_start AND l.as_of
    GROUP BY l.brand, l.language, l.term
)
SELECT
    l.as_of,
    l.brand,
    coalesce(b.own, false) AS own,
    l.language,
    l.term,
    l.surface,
    l.window_start,
    l.window_count,
    l.window_negative,
    l.window_share,
    l.baseline_count,
    l.baseline_negative,
    l.baseline_share,
    l.lift,
    l.p_value,
    l.q_value,
    e.examples
FROM latest AS l
LEFT JOIN examples AS e USING (brand, language, term)
LEFT JOIN insight_brands AS b USING (brand);
