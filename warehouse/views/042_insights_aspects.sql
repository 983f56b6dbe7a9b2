-- The aspect's own sentiment per mention: the mean of the sentences that mention it (label =
-- the class with the highest mean probability; by score when there are no probabilities;
-- NULL until scored). One row per mention and aspect, without the mention's context:
-- mention_aspects below adds it, and the dashboard (report/data.py) joins this view to its
-- own per-mention table.
-- example = the first sentence that mentions the aspect; terms = the words that tagged it
-- (distinct, sorted). Both are plain aggregates of the one GROUP BY (no join back to
-- aspect_sentences, no DISTINCT aggregate), so a query that does not read them does not pay
-- for them.
CREATE OR REPLACE VIEW mention_aspect_sentiment AS
WITH per_aspect AS (
    SELECT
        t.mention_id,
        t.aspect,
        count(*)                              AS sentences,
        list(t.term)                          AS tagged_terms,
        count(s.label)                        AS scored,
        avg(s.score)                          AS score,
        avg(s.p_neg)                          AS p_neg,
        avg(s.p_neu)                          AS p_neu,
        avg(s.p_pos)                          AS p_pos,
        arg_min(s.sentence, s.sentence_no)    AS example
    FROM aspect_tags AS t
    JOIN aspect_sentences AS s USING (mention_id, sentence_no)
    GROUP BY t.mention_id, t.aspect
), labelled AS (
    SELECT
        *,
        CASE
            WHEN scored = 0 THEN NULL
            WHEN p_neg IS NULL THEN CASE WHEN score <= -1.0 / 3 THEN 'neg' WHEN score >= 1.0 / 3 THEN 'pos' ELSE 'neu' END
            WHEN p_neg >= p_neu AND p_neg >= p_pos THEN 'neg'
            WHEN p_pos >= p_neu THEN 'pos'
            ELSE 'neu'
        END AS label
    FROM per_aspect
)
SELECT
    mention_id,
    aspect,
    sentences,
    list_sort(list_distinct(tagged_terms)) AS terms,
    label                                 AS sentiment,
    CAST(label = 'neg' AS INTEGER)        AS is_negative,
    CAST(label = 'pos' AS INTEGER)        AS is_positive,
    score                                 AS sentiment_score,
    p_neg,
    example
FROM labelled;

-- Aspects per mention, with the aspect's own sentiment (mention_aspect_sentiment) and the
-- mention's brand, source, kind, Amsterdam day and grade.
CREATE OR REPLACE VIEW mention_aspects AS
SELECT
    a.mention_id,
    m.brand,
    m.source,
    m.kind,
    amsterdam_day(m.published_at) AS day,
    a.aspect,
    coalesce(ia.label, a.aspect)          AS aspect_label,
    ia.position,
    a.sentences,
    a.terms,
    a.sentiment,
    a.is_negative,
    a.is_positive,
    a.sentiment_score,
    a.p_neg,
    g.grade,
    g.unhappy,
    a.example,
    CASE WHEN m.provenance = 'invited' THEN 'invited' ELSE 'organic' END AS population
FROM mention_aspect_sentiment AS a
JOIN mentions AS m USING (mention_id)
LEFT JOIN insight_aspects AS ia ON ia.aspect = a.aspect
LEFT JOIN mention_grades AS g USING (mention_id);

-- Per brand and aspect: how often it is mentioned (importance = share of the brand's
-- mentions) and how well the brand does on it (share negative, mean score, and among
-- reviewers with a rating: mean grade and share unhappy). Every brand x aspect pair has a
-- row, also when nobody mentioned the aspect (mentions = 0). Of the organic population; the
-- invited_* columns are the reviews the company invited (docs/provenance.md).
CREATE OR REPLACE VIEW aspect_performance AS
WITH brands AS (
    SELECT brand, count(*) FILTER (WHERE provenance IS DISTINCT FROM 'invited') AS brand_mentions
    FROM mentions GROUP BY brand
), aspects AS (
    SELECT aspect, label, position FROM insight_aspects
    UNION
    SELECT DISTINCT aspect, aspect, 99 FROM aspect_tags WHERE aspect NOT IN (SELECT aspect FROM insight_aspects)
), agg AS (
    SELECT
        brand,
        aspect,
        count(*)              AS mentions,
        count(sentiment)      AS scored,
        count(*) FILTER (WHERE sentiment = 'neg') AS negative,
        count(*) FILTER (WHERE sentiment = 'neu') AS neutral,
        count(*) FILTER (WHERE sentiment = 'pos') AS positive,
        avg(is_negative)      AS share_negative,
        avg(is_positive)      AS share_positive,
        avg(sentiment_score)  AS mean_score,
        count(grade)          AS rated,
        avg(grade)            AS mean_grade,
        avg(CAST(unhappy AS INTEGER)) AS share_unhappy
    FROM mention_aspects
    WHERE population = 'organic'
    GROUP BY brand, aspect
), invited AS (
    SELECT brand, aspect, count(*) AS invited_mentions, avg(is_negative) AS invited_share_negative,
           avg(grade) AS invited_mean_grade
    FROM mention_aspects
    WHERE population = 'invited'
    GROUP BY brand, aspect
)
SELECT
    b.brand,
    coalesce(ib.own, false)               AS own,
    a.aspect,
    a.label                               AS aspect_label,
    a.position,
    b.brand_mentions,
    coalesce(g.mentions, 0)               AS mentions,
    coalesce(g.mentions, 0) / b.brand_mentions AS importance,
    rank() OVER (PARTITION BY b.brand ORDER BY coalesce(g.mentions, 0) DESC) AS importance_rank,
    coalesce(g.scored, 0)                 AS scored,
    coalesce(g.negative, 0)               AS negative,
    coalesce(g.neutral, 0)                AS neutral,
    coalesce(g.positive, 0)               AS positive,
    g.share_negative,
    g.share_positive,
    g.share_positive - g.share_negative   AS net_sentiment,
    g.mean_score,
    coalesce(g.rated, 0)                  AS rated,
    g.mean_grade,
    g.share_unhappy,
    coalesce(i.invited_mentions, 0)       AS invited_mentions,
    i.invited_share_negative,
    i.invited_mean_grade
FROM brands AS b
CROSS JOIN aspects AS a
LEFT JOIN agg AS g ON g.brand = b.brand AND g.aspect = a.aspect
LEFT JOIN invited AS i ON i.brand = b.brand AND i.aspect = a.aspect
LEFT JOIN insight_brands AS ib ON ib.brand = b.brand;
