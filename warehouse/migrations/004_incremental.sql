-- Incrementally maintained tables, so that the cost of a load, of a scoring batch and of the
-- analysts' everyday queries grows with the new data, not with the history.
-- Written only by warehouse/incremental.py, called from warehouse.load.upsert_mentions and
-- warehouse.scores.store_scores inside the same transaction as the rows they summarise;
-- filled from scratch by `klantstem warehouse rebuild` (and by migrate when out of sync).
-- Analysts keep querying the views (mentions_scored, daily_sentiment): same names, same columns.

-- One row per mention: where it counts (brand, source, Amsterdam day) and its current
-- sentiment, i.e. the most recent score of any model (what mentions_scored shows). Rows are
-- appended in load order, which follows publication time closely, so a filter on day or
-- published_at skips most of the file (DuckDB zone maps).
CREATE TABLE current_scores (
    mention_id        VARCHAR PRIMARY KEY,
    brand             VARCHAR,                   -- copied from mentions
    source            VARCHAR,
    published_at      TIMESTAMPTZ,
    day               DATE,                      -- Amsterdam calendar day of published_at
    rating_normalised DOUBLE,
    text_md5          VARCHAR,                   -- md5 of what the model reads now (title + text)
    model_id          VARCHAR,                   -- the current score; NULL while unscored
    scored_md5        VARCHAR,                   -- text_md5 that score was computed from
    label             VARCHAR,
    score             DOUBLE,
    p_neg             DOUBLE,
    p_neu             DOUBLE,
    p_pos             DOUBLE,
    language          VARCHAR,                   -- detected
    scored_at         TIMESTAMPTZ,
    previous_day      DATE,                      -- bookkeeping: the day before the last load moved it
    changed_at        TIMESTAMPTZ                -- bookkeeping: start of the transaction that last wrote the row
                                                 -- (a text loaded after it was scored: changed_at > scored_at)
);

-- Per Amsterdam day, brand and source: the sums daily_sentiment divides. A load or a scoring
-- batch recomputes only the days it touched. Key: (day, brand, source).
CREATE TABLE daily_aggregates (
    day           DATE NOT NULL,
    brand         VARCHAR NOT NULL,
    source        VARCHAR NOT NULL,
    volume        BIGINT NOT NULL,
    scored        BIGINT NOT NULL,
    negative      BIGINT NOT NULL,
    neutral       BIGINT NOT NULL,
    positive      BIGINT NOT NULL,
    score_sum     DOUBLE,
    rated         BIGINT NOT NULL,
    rating_sum    DOUBLE,
    refreshed_at  TIMESTAMPTZ NOT NULL
);

-- One row: how many mentions and scores the maintained tables account for. Rows written by
-- anything else (a hand-written INSERT, a test fixture) make the counts differ; the views then
-- compute everything from mentions and sentiment_scores (slower, always right) until the next
-- `klantstem warehouse rebuild` or daily run (migrate) rebuilds them.
CREATE TABLE warehouse_sync (
    mentions_rows BIGINT NOT NULL,
    scores_rows   BIGINT NOT NULL,
    rebuilt_at    TIMESTAMPTZ NOT NULL
);
