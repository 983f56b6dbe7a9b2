-- Reference definition, computed from the base tables on every query. In a warehouse with
-- migration 004, 050_incremental.sql replaces mentions_scored with the same columns read from the
-- incrementally maintained tables (and falls back to this computation when they lag).
-- Every mention with its current sentiment: a person's correction where there is one, else the
-- most recent score of any model, so that after a model change analysts see the new model's
-- scores as soon as they exist. model_sentiment keeps the model's own label. population is the
-- figure a mention counts in (docs/provenance.md): 'invited' when the source says the company
-- asked for it, else 'organic'.
CREATE OR REPLACE VIEW mentions_scored AS
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
FROM mentions AS m
LEFT JOIN sentiment_corrections AS k USING (mention_id)
LEFT JOIN (
    SELECT *
    FROM sentiment_scores
    QUALIFY row_number() OVER (PARTITION BY mention_id ORDER BY scored_at DESC, model_id) = 1
) AS s USING (mention_id);
