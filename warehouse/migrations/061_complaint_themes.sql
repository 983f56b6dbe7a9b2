-- Complaint themes (insights/themes.py): per brand and insights refresh (as_of), the clusters
-- of the negative mentions of the last weeks by meaning (sentence embeddings, migration 060),
-- named by their most distinctive words and tracked across refreshes by their centroid.
-- The view complaint_themes shows the latest refresh.
CREATE TABLE theme_clusters (
    as_of             DATE NOT NULL,
    brand             VARCHAR NOT NULL,
    theme_id          INTEGER NOT NULL,   -- stable across refreshes: same theme = close centroids
    model_id          VARCHAR NOT NULL,
    terms             VARCHAR NOT NULL,   -- the cluster's most distinctive words, most distinctive first
    example_id        VARCHAR NOT NULL,   -- the mention closest to the centroid
    example           VARCHAR NOT NULL,
    centroid          FLOAT[384] NOT NULL,
    first_seen        DATE NOT NULL,      -- as_of of the first refresh that found the theme
    window_start      DATE NOT NULL,
    window_voices     INTEGER NOT NULL,   -- negative mentions in the theme this week (copies left out)
    window_negative   INTEGER NOT NULL,   -- all negative mentions of the brand this week
    baseline_voices   INTEGER NOT NULL,
    baseline_negative INTEGER NOT NULL,
    window_share      DOUBLE NOT NULL,
    baseline_share    DOUBLE NOT NULL,    -- smoothed: (baseline voices + 0.5) / (baseline negatives + 1)
    lift              DOUBLE NOT NULL,
    p_value           DOUBLE NOT NULL,
    q_value           DOUBLE NOT NULL,
    growing           BOOLEAN NOT NULL,
    weekly_voices     INTEGER[] NOT NULL, -- per 7-day block, oldest first, the last ending at as_of
    computed_at       TIMESTAMPTZ NOT NULL
);
