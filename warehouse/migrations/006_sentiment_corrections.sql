-- A reputation manager's verdict on a mention's sentiment. Append-only: every correction (and
-- every withdrawal, label NULL) is kept with who, when and why; the view sentiment_corrections
-- (views/005_sentiment_corrections.sql) gives the one in force per mention. A correction is keyed
-- by mention, not by model, so it survives re-scoring and model changes.
CREATE TABLE sentiment_correction_log (
    mention_id    VARCHAR NOT NULL,
    label         VARCHAR CHECK (label IS NULL OR label IN ('neg', 'neu', 'pos')),  -- NULL: withdrawn
    corrected_by  VARCHAR NOT NULL,
    corrected_at  TIMESTAMPTZ NOT NULL,
    reason        VARCHAR,
    model_id      VARCHAR,          -- the model whose label was corrected (NULL while unscored)
    model_label   VARCHAR
);

-- Heads trained by `klantstem model adapt` on the warehouse's own rated reviews: how each one
-- compared with the base model on held-out reviews, and which one scores (active).
CREATE TABLE sentiment_models (
    model_id          VARCHAR PRIMARY KEY,
    base_model_id     VARCHAR NOT NULL,
    head_path         VARCHAR NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    n_reviews         INTEGER NOT NULL,   -- rated reviews (and corrections) it learned from
    n_corrections     INTEGER NOT NULL,
    base_accuracy     DOUBLE,             -- cross-fitted, clear reviews (1-2 vs 4-5 stars)
    adapted_accuracy  DOUBLE,
    base_macro_f1     DOUBLE,             -- cross-fitted, neg/neu/pos incl. 3-star reviews
    adapted_macro_f1  DOUBLE,
    accepted          BOOLEAN NOT NULL,   -- better than the base model by the required margin
    active            BOOLEAN NOT NULL
);
