-- Aspects per mention, with the aspect's own sentiment: the mean of the sentences that
-- mention it (label = the class with the highest mean probability; NULL until scored).
CREATE OR REPLACE VIEW mention_aspects AS
WITH per_aspect AS (
    SELECT
        t.mention_id,
        t.aspect,
        count(*)                              AS sentences,
        list(DISTINCT t.term)                 AS terms,
        min(s.sentence_no)                    AS first_sentence_no,
        count(s.label)                        AS scored,
        avg(s.score)                          AS score,
        avg(s.p_neg)                          AS p_neg,
        avg(s.p_neu)                          AS p_neu,
        avg(s.p_pos)                          AS p_pos,
        list(s.label)                         AS labels
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
    a.mention_id,
    m.brand,
    m.source,
    m.kind,
    CAST(timezone('Europe/Amsterdam', m.published_at) AS DATE) AS day,
    a.aspect,
    coalesce(ia.label, a.aspect)          AS aspect_label,
    ia.position,
    a.sentences,
    a.terms,
    a.label                               AS sentiment,
    CAST(a.label = 'neg' AS INTEGER)      AS is_negative,
    CAST(a.label = 'pos' AS INTEGER)      AS is_positive,
    a.score                               AS sentiment_score,
    a.p_neg,
    g.grade,
    g.unhappy,
    s.sentence                            AS example
FROM labelled AS a
JOIN mentions AS m USING (mention_id)
LEFT JOIN insight_aspects AS ia ON ia.aspect = a.aspect
LEFT JOIN mention_grades AS g USING (mention_id)
LEFT JOIN aspect_sentences AS s ON s.mention_id = a.mention_id AND s.sentence_no = a.first_sentence_no;

-- Per brand and aspect: how often it is mentioned (importance = share of the brand's
-- mentions) and how well the brand does on it (share negative, mean score, and among
-- reviewers with a rating: mean grade and share unhappy). Every brand x aspect pair has a
-- row, also when nobody mentioned the aspect (mentions = 0).
CREATE OR REPLACE VIEW aspect_performance AS
WITH brands AS (
    SELECT brand, count(*) AS brand_mentions FROM mentions GROUP BY brand
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
    g.share_unhappy
FROM brands AS b
CROSS JOIN aspects AS a
LEFT JOIN agg AS g ON g.brand = b.brand AND g.aspect = a.aspect
LEFT JOIN insight_brands AS ib ON ib.brand = b.brand;
