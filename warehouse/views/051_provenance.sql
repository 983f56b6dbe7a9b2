-- The invited share per week: a KPI in itself (how much of what the public sees the company
-- asked for), and the two populations side by side per ISO week (Monday), brand and source
-- (source 'all' = the brand over all sources). From daily_sentiment, so it costs as little.
-- docs/provenance.md explains the populations.
CREATE OR REPLACE VIEW weekly_provenance AS
SELECT
    CAST(date_trunc('week', day) AS DATE)                              AS week,
    brand,
    source,
    CAST(sum(total_volume) AS BIGINT)                                  AS total_volume,
    CAST(sum(volume) AS BIGINT)                                        AS organic_volume,
    CAST(sum(invited_volume) AS BIGINT)                                AS invited_volume,
    sum(invited_volume) / nullif(sum(total_volume), 0)                 AS invited_share,
    sum(share_negative * scored) / nullif(sum(scored), 0)              AS organic_share_negative,
    sum(invited_share_negative * invited_scored) / nullif(sum(invited_scored), 0) AS invited_share_negative,
    sum(mean_rating_normalised * rated) / nullif(sum(rated), 0)        AS organic_mean_rating_normalised,
    sum(invited_mean_rating_normalised * invited_rated) / nullif(sum(invited_rated), 0) AS invited_mean_rating_normalised,
    -- what a single mixed figure would have said
    (coalesce(sum(share_negative * scored), 0) + coalesce(sum(invited_share_negative * invited_scored), 0))
        / nullif(sum(scored) + sum(invited_scored), 0)                 AS mixed_share_negative
FROM daily_sentiment
GROUP BY ALL;
