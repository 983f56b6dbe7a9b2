-- Core tables: every mention once, scores per model, one row per crawl of a source.

CREATE TABLE mentions (
    mention_id        VARCHAR PRIMARY KEY,       -- md5(source || ':' || external_id): stable across runs
    source            VARCHAR NOT NULL,          -- source key from monitor.toml (e.g. 'trustpilot')
    external_id       VARCHAR NOT NULL,          -- the source's own id
    brand             VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL DEFAULT 'review',
    url               VARCHAR,
    published_at      TIMESTAMPTZ NOT NULL,
    title             VARCHAR,
    text              VARCHAR NOT NULL,
    rating            DOUBLE,                    -- on the source's own scale
    rating_min        DOUBLE,
    rating_max        DOUBLE,
    rating_normalised DOUBLE,                    -- 0 = worst, 1 = best
    language          VARCHAR,                   -- as the source states it
    author            VARCHAR,                   -- salted hash unless pseudonymisation is off
    reply             VARCHAR,                   -- the company's public reply
    fetched_at        TIMESTAMPTZ,
    first_seen_at     TIMESTAMPTZ NOT NULL,
    last_seen_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (source, external_id)
);

CREATE TABLE sentiment_scores (
    mention_id  VARCHAR NOT NULL,
    model_id    VARCHAR NOT NULL,
    text_md5    VARCHAR NOT NULL,                -- an edited review is scored again
    label       VARCHAR NOT NULL CHECK (label IN ('neg', 'neu', 'pos')),
    score       DOUBLE NOT NULL CHECK (score BETWEEN -1 AND 1),
    p_neg       DOUBLE,
    p_neu       DOUBLE,
    p_pos       DOUBLE,
    language    VARCHAR,                         -- detected, not stated
    scored_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (mention_id, model_id)
);

CREATE SEQUENCE crawl_run_seq;

CREATE TABLE crawl_runs (
    crawl_run_id  BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_seq'),
    flow_run_id   VARCHAR,
    source        VARCHAR NOT NULL,
    brand         VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('ok', 'failed')),
    pages         INTEGER,
    items_scraped INTEGER,
    items_new     INTEGER,
    items_seen    INTEGER,
    items_dropped INTEGER,
    error         VARCHAR
);
