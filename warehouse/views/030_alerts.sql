-- Every alert with how its messages fared: the first place to look when someone asks
-- "did we get told?". delivery is 'sent' when every message about it went out, 'pending'
-- while one waits for a retry, 'failed' when one gave up, 'none' when nothing was sent
-- (e.g. an update that was not worse).
CREATE OR REPLACE VIEW alerts_overview AS
SELECT
    a.alert_id,
    a.rule,
    a.brand,
    a.source,
    a.status,
    amsterdam_day(a.episode_start)   AS first_day,
    amsterdam_day(coalesce(a.resolved_at, a.last_fired_at)) AS last_day,
    a.window_kind,
    a.volume,
    a.observed,
    a.expected,
    a.p_value,
    a.test,
    a.peak_severity,
    a.evaluations,
    a.top_terms,
    a.sample_mention_ids,
    count(d.delivery_id)                                   AS messages,
    CASE
        WHEN count(d.delivery_id) = 0 THEN 'none'
        WHEN bool_or(d.status = 'failed') THEN 'failed'
        WHEN bool_or(d.status = 'pending') THEN 'pending'
        ELSE 'sent'
    END                                                    AS delivery,
    coalesce(sum(d.attempts), 0)                           AS delivery_attempts,
    max(d.last_error)                                      AS last_delivery_error
FROM alerts AS a
LEFT JOIN alert_deliveries AS d ON list_contains(d.alert_ids, a.alert_id)
GROUP BY ALL;
