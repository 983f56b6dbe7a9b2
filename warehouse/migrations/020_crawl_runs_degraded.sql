-- Format drift (issue 13): a crawl whose pages no longer fit the parser is 'degraded' (too
-- many items lack a required field) or 'failed' (none usable); the reason goes in `error`.
-- DuckDB cannot alter a CHECK constraint, so the table is rebuilt with its rows and ids.

CREATE TABLE crawl_runs_new (
    crawl_run_id  BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_seq'),
    flow_run_id   VARCHAR,
    source        VARCHAR NOT NULL,
    brand         VARCHAR NOT NULL,
    url           VARCHAR NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('ok', 'degraded', 'failed', 'skipped')),
    pages         INTEGER,
    items_scraped INTEGER,
    items_new     INTEGER,
    items_seen    INTEGER,
    items_dropped INTEGER,
    error         VARCHAR
);
INSERT INTO crawl_runs_new BY NAME SELECT * FROM crawl_runs;
DROP TABLE crawl_runs;
ALTER TABLE crawl_runs_new RENAME TO crawl_runs;
