-- Insights for reputation managers (insights/ package): aspect tags with their own
-- sentiment, content terms, survey answers, and the tables the insights refresh computes.
-- Tag tables are written by `insights.pipeline.refresh_insights`; per mention they are
-- replaced in one transaction, so they carry their key as a comment instead of an index.

-- The aspect list in use (shipped Dutch lists + the company's overrides): key, label, order.
CREATE TABLE insight_aspects (
    aspect    VARCHAR PRIMARY KEY,             -- English key, e.g. 'delivery'
    label     VARCHAR NOT NULL,                -- what users see, e.g. 'Bezorging'
    position  INTEGER NOT NULL                 -- order in the customer journey
);

-- Brands from monitor.toml: which one is the company itself (own) and in what order.
CREATE TABLE insight_brands (
    brand     VARCHAR PRIMARY KEY,
    own       BOOLEAN NOT NULL,
    position  INTEGER NOT NULL
);

-- One row per mention whose text was tagged, for the tagger version (term lists + rules)
-- that tagged it: a changed text or term list is tagged again, nothing else is.
CREATE TABLE insight_tagged (
    mention_id      VARCHAR PRIMARY KEY,
    text_md5        VARCHAR NOT NULL,          -- md5 of title + '. ' + text, as sentiment_scores
    tagger_version  VARCHAR NOT NULL,
    sentences       INTEGER NOT NULL,
    tagged_at       TIMESTAMPTZ NOT NULL
);

-- Sentences that mention at least one aspect, with their own sentiment. A sentence that
-- judges several aspects in separate clauses ("goedkoop, maar de bezorging was traag") is
-- stored as one row per clause, so each aspect gets its own sentiment.
-- Key: (mention_id, sentence_no).
CREATE TABLE aspect_sentences (
    mention_id   VARCHAR NOT NULL,
    sentence_no  INTEGER NOT NULL,             -- sentence or clause number; 1 = the title when there is one
    sentence     VARCHAR NOT NULL,
    model_id     VARCHAR,                      -- NULL until scored
    label        VARCHAR CHECK (label IN ('neg', 'neu', 'pos')),
    score        DOUBLE CHECK (score BETWEEN -1 AND 1),
    p_neg        DOUBLE,
    p_neu        DOUBLE,
    p_pos        DOUBLE,
    scored_at    TIMESTAMPTZ
);

-- Which aspects a sentence mentions and the word that said so. Key: (mention_id, sentence_no, aspect).
CREATE TABLE aspect_tags (
    mention_id   VARCHAR NOT NULL,
    sentence_no  INTEGER NOT NULL,
    aspect       VARCHAR NOT NULL,
    term         VARCHAR NOT NULL              -- e.g. 'pakketbezorging', 'te laat'
);

-- Distinct content terms per mention: stems and two-word phrases. Key: (mention_id, term).
CREATE TABLE mention_terms (
    mention_id  VARCHAR NOT NULL,
    term        VARCHAR NOT NULL,              -- stem key: 'bezorg', 'pakket kwijt'
    surface     VARCHAR NOT NULL               -- as written: 'bezorging', 'pakket kwijt'
);

-- The company's own survey answers (klantstem survey import FILE).
CREATE TABLE survey_answers (
    answer_id       VARCHAR PRIMARY KEY,       -- md5 of the response id, or of the answer's content
    brand           VARCHAR,                   -- the own brand
    answered_on     DATE NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
    answer          VARCHAR NOT NULL,          -- open answer ('' when left empty)
    segment         VARCHAR,
    source_file     VARCHAR NOT NULL,          -- file name it was first imported from
    source_row      INTEGER NOT NULL,          -- row in that file (header = row 1)
    imported_at     TIMESTAMPTZ NOT NULL,
    tagger_version  VARCHAR
);

-- Aspects and terms of survey answers. Keys: (answer_id, aspect) and (answer_id, term).
CREATE TABLE survey_aspects (
    answer_id  VARCHAR NOT NULL,
    aspect     VARCHAR NOT NULL,
    term       VARCHAR NOT NULL
);

CREATE TABLE survey_terms (
    answer_id  VARCHAR NOT NULL,
    term       VARCHAR NOT NULL,
    surface    VARCHAR NOT NULL
);

-- Key driver analysis, recomputed on every insights refresh: per brand (and all brands
-- pooled, brand = 'Alle merken'), how much each aspect's sentiment moves the review grade.
CREATE TABLE key_drivers (
    brand            VARCHAR NOT NULL,
    aspect           VARCHAR NOT NULL,
    reviews          INTEGER NOT NULL,         -- rated mentions in the model
    mentioned        INTEGER NOT NULL,         -- of which mention this aspect
    coefficient      DOUBLE,                   -- grade points per unit of aspect sentiment (-1..1), others fixed
    std_error        DOUBLE,
    p_value          DOUBLE,
    relative_weight  DOUBLE,                   -- share of explained variance (Johnson), sums to 1 per brand
    r_squared        DOUBLE,                   -- of the brand's whole model
    mean_score       DOUBLE,                   -- performance: mean aspect sentiment where mentioned
    share_negative   DOUBLE,                   -- performance: share of those mentions negative on the aspect
    gain_if_fixed    DOUBLE,                   -- rise of the mean grade if negative aspect sentiment became neutral
    computed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (brand, aspect)
);

-- Emerging topics: terms whose share of a brand's negative mentions rose in the last week
-- versus the weeks before; one set of rows per as_of date (the latest is what counts).
CREATE TABLE emerging_terms (
    as_of              DATE NOT NULL,
    brand              VARCHAR NOT NULL,
    term               VARCHAR NOT NULL,
    surface            VARCHAR NOT NULL,
    window_start       DATE NOT NULL,
    baseline_start     DATE NOT NULL,
    window_negative    INTEGER NOT NULL,       -- negative mentions in the window
    window_count       INTEGER NOT NULL,       -- ... that contain the term
    baseline_negative  INTEGER NOT NULL,
    baseline_count     INTEGER NOT NULL,
    window_share       DOUBLE NOT NULL,
    baseline_share     DOUBLE NOT NULL,        -- smoothed: (count + 0.5) / (negative + 1)
    lift               DOUBLE NOT NULL,        -- window_share / baseline_share
    p_value            DOUBLE NOT NULL,        -- one-sided binomial test
    q_value            DOUBLE NOT NULL,        -- Benjamini-Hochberg over the brand's tested terms
    significant        BOOLEAN NOT NULL,
    computed_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (as_of, brand, term)
);

-- One row per insights refresh: what it did, and which model scored aspect sentences.
CREATE TABLE insight_runs (
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    as_of            DATE NOT NULL,
    tagger_version   VARCHAR NOT NULL,
    model_name       VARCHAR,                  -- [sentiment] model from monitor.toml
    model_id         VARCHAR,                  -- the scorer's id for it
    mentions_tagged  INTEGER NOT NULL,
    sentences_scored INTEGER NOT NULL
);
