-- Every mention with its current sentiment, computed from the base tables: a person's correction
-- where there is one, else the most recent score of any model, so that after a model change
-- analysts see the new model's scores as soon as they exist. model_sentiment keeps the model's
-- own label. population is the figure a mention counts in (docs/provenance.md): 'invited' when
-- the source says the company asked for it, else 'organic'.
-- The view mentions_scored (050_incremental.sql) reads the maintained tables and uses this as
-- its fallback half, with `recompute` true only while those tables lag: the condition sits on
-- each table read, so while they are in sync nothing is scanned or ranked. With true it is
-- the reference the maintained tables must equal (tests/drills/test_drills_incremental.py).
CREATE OR REPLACE MACRO mentions_scored_from_base(recompute) AS TABLE
SELECT
    m.mention_id,
    m.brand,
    m.source,
    m.kind,
    m.url,
    m.published_at,
    amsterdam_day(m.published_at) AS day,
    m.title,
    m.text,
    m.rating,
    m.rating_normalised,
    m.author,
    m.reply IS NOT NULL                           AS has_reply,
    coalesce(s.language, m.language)              AS language,
    coalesce(k.label, s.label)                    AS sentiment,
    CAST(coalesce(k.label, s.label) = 'neg' AS INTEGER) AS is_negative,   -- NULL while unscored
    CAST(coalesce(k.label, s.label) = 'neu' AS INTEGER) AS is_neutral,
    CAST(coalesce(k.label, s.label) = 'pos' AS INTEGER) AS is_positive,
    coalesce(label_polarity(k.label), s.score)    AS sentiment_score,
    s.model_id,
    s.scored_at,
    s.label                                       AS model_sentiment,
    k.label IS NOT NULL                           AS corrected,
    m.provenance,                                 -- organic | invited | other | NULL (source says nothing)
    m.verification,
    m.provenance_raw,
    CASE WHEN m.provenance = 'invited' THEN 'invited' ELSE 'organic' END AS population
FROM (SELECT m.* FROM mentions AS m, (SELECT 1 WHERE recompute) AS gate) AS m
LEFT JOIN sentiment_corrections AS k USING (mention_id)
LEFT JOIN (
    SELECT s.* FROM sentiment_scores AS s, (SELECT 1 WHERE recompute) AS gate
    QUALIFY row_number() OVER (PARTITION BY s.mention_id ORDER BY s.scored_at DESC, s.model_id) = 1
) AS s USING (mention_id);

-- The views from 030 on are created against this; 050_incremental.sql then puts the maintained
-- tables in front of it (same columns).
CREATE OR REPLACE VIEW mentions_scored AS SELECT * FROM mentions_scored_from_base(true);
