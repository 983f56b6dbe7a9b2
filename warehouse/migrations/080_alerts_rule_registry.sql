-- Alert rules live in a registry (alerts/rules/): the rule column takes any name, and
-- alerts.store refuses one no rule module registers, so a new rule needs no migration.
-- DuckDB cannot alter a CHECK constraint, so the table is rebuilt with its rows and ids.

CREATE TABLE alerts_new (
    alert_id           BIGINT PRIMARY KEY DEFAULT nextval('alert_id_seq'),
    rule               VARCHAR NOT NULL,          -- a rule of alerts/rules/ (checked in alerts.store)
    brand              VARCHAR NOT NULL,
    source             VARCHAR NOT NULL,          -- source key, or 'all' for the brand as a whole
    status             VARCHAR NOT NULL CHECK (status IN ('open', 'resolved', 'level_shift')),
    window_kind        VARCHAR NOT NULL CHECK (window_kind IN ('daily', 'intraday', 'stream', 'queue')),  -- latest evidence; queue: unanswered_negative
    window_start       TIMESTAMPTZ NOT NULL,
    window_end         TIMESTAMPTZ NOT NULL,      -- exclusive
    episode_start      TIMESTAMPTZ NOT NULL,      -- start of the first window that fired
    first_fired_at     TIMESTAMPTZ NOT NULL,      -- evaluation (run) times
    last_fired_at      TIMESTAMPTZ NOT NULL,
    resolved_at        TIMESTAMPTZ,               -- recovered, or declared a level shift
    volume             BIGINT NOT NULL,           -- mentions tested in the window (scored / all / rated / invited)
    observed           DOUBLE NOT NULL,           -- share negative | mentions | mean normalised rating | invited
    expected           DOUBLE NOT NULL,           -- the same, from the baseline
    baseline_volume    BIGINT NOT NULL,
    p_value            DOUBLE NOT NULL,
    test               VARCHAR NOT NULL,          -- binomial | beta-binomial | poisson | negative-binomial | welch-t | cusum | crawl
    severity           DOUBLE NOT NULL,           -- rise in share | ratio to expected | fall in rating
    peak_severity      DOUBLE NOT NULL,
    notified_severity  DOUBLE NOT NULL,           -- severity at the last message (re-fire when worse)
    evaluations        INTEGER NOT NULL,          -- runs in which it fired
    recovery_notified  BOOLEAN NOT NULL,          -- "back to normal" was messaged (once per alert)
    sample_mention_ids VARCHAR[] NOT NULL,
    top_terms          VARCHAR[] NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    note               VARCHAR NOT NULL DEFAULT ''  -- source health: the crawl's reason (migration 021)
);
INSERT INTO alerts_new BY NAME SELECT * FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_new RENAME TO alerts;
