-- Alerts: one row per episode of one rule for one brand and source, every evaluation that
-- fired or changed it, and the messages sent about them. Apprise URLs (webhook tokens,
-- passwords) are never stored here: targets are recorded as 'scheme:hash' only.

CREATE SEQUENCE alert_id_seq;

CREATE TABLE alerts (
    alert_id           BIGINT PRIMARY KEY DEFAULT nextval('alert_id_seq'),
    rule               VARCHAR NOT NULL CHECK (rule IN ('negative_share', 'volume', 'rating_drop')),
    brand              VARCHAR NOT NULL,
    source             VARCHAR NOT NULL,          -- source key, or 'all' for the brand as a whole
    status             VARCHAR NOT NULL CHECK (status IN ('open', 'resolved', 'level_shift')),
    window_kind        VARCHAR NOT NULL CHECK (window_kind IN ('daily', 'intraday')),  -- latest evidence
    window_start       TIMESTAMPTZ NOT NULL,
    window_end         TIMESTAMPTZ NOT NULL,      -- exclusive
    episode_start      TIMESTAMPTZ NOT NULL,      -- start of the first window that fired
    first_fired_at     TIMESTAMPTZ NOT NULL,      -- evaluation (run) times
    last_fired_at      TIMESTAMPTZ NOT NULL,
    resolved_at        TIMESTAMPTZ,               -- recovered, or declared a level shift
    volume             BIGINT NOT NULL,           -- mentions tested in the window (scored / all / rated)
    observed           DOUBLE NOT NULL,           -- share negative | mentions | mean normalised rating
    expected           DOUBLE NOT NULL,           -- the same, from the baseline
    baseline_volume    BIGINT NOT NULL,
    p_value            DOUBLE NOT NULL,
    test               VARCHAR NOT NULL,          -- binomial | beta-binomial | poisson | negative-binomial | welch-t
    severity           DOUBLE NOT NULL,           -- rise in share | ratio to expected | fall in rating
    peak_severity      DOUBLE NOT NULL,
    notified_severity  DOUBLE NOT NULL,           -- severity at the last message (re-fire when worse)
    evaluations        INTEGER NOT NULL,          -- runs in which it fired
    recovery_notified  BOOLEAN NOT NULL,          -- "back to normal" was messaged (once per alert)
    sample_mention_ids VARCHAR[] NOT NULL,
    top_terms          VARCHAR[] NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE alert_events (
    alert_id      BIGINT NOT NULL,
    evaluated_at  TIMESTAMPTZ NOT NULL,
    event         VARCHAR NOT NULL CHECK (event IN ('new', 'worse', 'update', 'reopened', 'recovered', 'level_shift')),
    window_kind   VARCHAR,
    window_start  TIMESTAMPTZ,
    window_end    TIMESTAMPTZ,
    volume        BIGINT,
    observed      DOUBLE,
    expected      DOUBLE,
    p_value       DOUBLE,
    severity      DOUBLE
);

CREATE SEQUENCE alert_delivery_seq;

CREATE TABLE alert_deliveries (
    delivery_id     BIGINT PRIMARY KEY DEFAULT nextval('alert_delivery_seq'),
    kind            VARCHAR NOT NULL CHECK (kind IN ('alert', 'flow_failure')),
    brand           VARCHAR,
    alert_ids       BIGINT[] NOT NULL,
    events          VARCHAR[] NOT NULL,           -- e.g. ['new:12', 'recovered:9']
    title           VARCHAR NOT NULL,
    body            VARCHAR NOT NULL,
    notify_type     VARCHAR NOT NULL,             -- Apprise: info | success | warning | failure
    status          VARCHAR NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL,
    sent_to         VARCHAR[] NOT NULL,           -- targets that accepted it, as 'scheme:hash'
    last_error      VARCHAR,                      -- never contains a URL or token
    created_at      TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ
);
