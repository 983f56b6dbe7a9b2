-- Complaint themes of the latest insights refresh (insights/themes.py, docs/search.md): per
-- brand, what its unhappy customers complain about, grouped by meaning rather than by a word
-- list, with a representative mention and whether the theme grows this week.
CREATE OR REPLACE VIEW complaint_themes AS
SELECT
    t.as_of,
    t.brand,
    coalesce(b.own, false) AS own,
    t.theme_id,
    t.terms,
    t.example,
    t.example_id,
    t.first_seen,
    t.window_start,
    t.window_voices,
    t.window_negative,
    t.baseline_voices,
    t.baseline_negative,
    t.window_share,
    t.baseline_share,
    t.lift,
    t.p_value,
    t.q_value,
    t.growing,
    t.weekly_voices
FROM theme_clusters AS t
LEFT JOIN insight_brands AS b ON b.brand = t.brand
WHERE t.as_of = (SELECT max(as_of) FROM theme_clusters)
ORDER BY t.brand, t.growing DESC, t.window_voices DESC, t.theme_id;
