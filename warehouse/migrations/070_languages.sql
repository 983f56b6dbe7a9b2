-- Language as a dimension (docs/insights.md, "Languages"): Belgian brands hear from French,
-- Dutch and English customers, and each language's figures stand on their own.

-- daily_aggregates gets the detected language (current_scores.language) in its key:
-- (day, brand, source, population, language). The old rows have none, so they are dropped
-- with the sync record; the migrate that applies this sees the counts differ and rebuilds
-- the maintained tables from mentions and sentiment_scores (warehouse/incremental.py).
ALTER TABLE daily_aggregates ADD COLUMN language VARCHAR;  -- NULL: unscored, or too short to detect
DELETE FROM daily_aggregates;
DELETE FROM warehouse_sync;

-- The language whose term lists tagged a mention ('nl', 'fr', 'en'), or the detected
-- language without lists ('de', ...: kept and counted, never read with another language's
-- words). A mention whose language changes is tagged again.
ALTER TABLE insight_tagged ADD COLUMN language VARCHAR;

-- The languages a brand is monitored in (monitor.toml `languages = ["nl", "fr"]`), first =
-- the language of texts too short to detect; other languages count as 'other'.
ALTER TABLE insight_brands ADD COLUMN languages VARCHAR[];

-- Emerging topics per brand *and language*: terms are stems of one language ("livr" is
-- French, "bezorg" Dutch), and a French complaint wave must not drown in Dutch baselines.
-- The key gains the language; earlier rows were all Dutch-read.
CREATE TABLE emerging_terms_070 (
    as_of              DATE NOT NULL,
    brand              VARCHAR NOT NULL,
    language           VARCHAR NOT NULL,       -- the lists that read the texts (insight_tagged.language)
    term               VARCHAR NOT NULL,
    surface            VARCHAR NOT NULL,
    window_start       DATE NOT NULL,
    baseline_start     DATE NOT NULL,
    window_negative    INTEGER NOT NULL,
    window_count       INTEGER NOT NULL,
    baseline_negative  INTEGER NOT NULL,
    baseline_count     INTEGER NOT NULL,
    window_share       DOUBLE NOT NULL,
    baseline_share     DOUBLE NOT NULL,
    lift               DOUBLE NOT NULL,
    p_value            DOUBLE NOT NULL,
    q_value            DOUBLE NOT NULL,
    significant        BOOLEAN NOT NULL,
    computed_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (as_of, brand, language, term)
);
INSERT INTO emerging_terms_070
SELECT as_of, brand, 'nl', term, surface, window_start, baseline_start, window_negative, window_count,
       baseline_negative, baseline_count, window_share, baseline_share, lift, p_value, q_value, significant,
       computed_at
FROM emerging_terms;
DROP TABLE emerging_terms;
ALTER TABLE emerging_terms_070 RENAME TO emerging_terms;

-- Key drivers per brand and language group (insights/drivers.py, by_language): French
-- customers may weigh delivery differently from Dutch ones. Same columns as key_drivers.
CREATE TABLE key_drivers_by_language (
    brand            VARCHAR NOT NULL,
    language         VARCHAR NOT NULL,
    aspect           VARCHAR NOT NULL,
    reviews          INTEGER NOT NULL,
    mentioned        INTEGER NOT NULL,
    coefficient      DOUBLE,
    std_error        DOUBLE,
    p_value          DOUBLE,
    relative_weight  DOUBLE,
    r_squared        DOUBLE,
    mean_score       DOUBLE,
    share_negative   DOUBLE,
    gain_if_fixed    DOUBLE,
    computed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand, language, aspect)
);
