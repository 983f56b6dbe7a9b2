-- Source health (issue 13): a source whose latest crawl was degraded (format drift) or failed
-- is an alert episode like the statistical rules, with the crawl's reason in `note`.
-- DuckDB cannot alter a CHECK constraint, so the table is rebuilt with its rows and ids.

CREATE TABLE alerts_new (
    alert_id           BIGINT PRIMARY KEY DEFAULT nextval('alert_id_seq'),
    rule               VARCHAR NOT NULL CHECK (rule IN ('negative_share', 'volume', 'rating_drop', 'source_health')),
    brand              VARCHAR NOT NULL,
    source             VARCHAR NOT NULL,
    status             VARCHAR NOT NULL CHECK (status IN ('open', 'resolved', 'level_shift')),
    window_kind        VARCHAR NOT NULL CHECK (window_kind IN ('daily', 'intraday')),
    window_start       TIMESTAMPTZ NOT NULL,
    window_end         TIMESTAMPTZ NOT NULL,
    episode_start      TIMESTAMPTZ NOT NULL,
    first_fired_at     TIMESTAMPTZ NOT NULL,
    last_fired_at      TIMESTAMPTZ NOT NULL,
    resolved_at        TIMESTAMPTZ,
    volume             BIGINT NOT NULL,
    observed           DOUBLE NOT NULL,
    expected           DOUBLE NOT NULL,
    baseline_volume    BIGINT NOT NULL,
    p_value            DOUBLE NOT NULL,
    test               VARCHAR NOT NULL,          -- ... | crawl (source health)
    severity           DOUBLE NOT NULL,           -- source health: 1 degraded, 2 failed
    peak_severity      DOUBLE NOT NULL,
    notified_severity  DOUBLE NOT NULL,
    evaluations        INTEGER NOT NULL,
    recovery_notified  BOOLEAN NOT NULL,
    sample_mention_ids VARCHAR[] NOT NULL,
    top_terms          VARCHAR[] NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    note               VARCHAR NOT NULL DEFAULT ''  -- source health: the crawl's reason
);
INSERT INTO alerts_new BY NAME SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
