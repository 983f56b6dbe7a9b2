-- The reputation manager's daily work (docs/replies.md): what waits for an answer, how fast
-- each brand answers, whom an answer won back, and which answers read like a template.
-- Reviews count where the platform shows company replies (reply_sources, written by each
-- run from monitor.toml); elsewhere "unanswered" means nothing.
--
-- A review is negative by its own rating where it has one (below the middle of its scale:
-- 1-2 stars, a Dutch grade below 6), else by its sentiment. Response time = reply_at -
-- published_at, in hours, where reply_at is the platform's date or the crawl that first saw
-- the reply on a review stored unanswered; a review already answered when first crawled
-- without a platform date (reply_at_basis 'first_crawl') has no known response time.

CREATE OR REPLACE VIEW reply_facts AS
SELECT
    m.mention_id,
    m.brand,
    m.source,
    m.url,
    m.published_at,
    m.title,
    m.text,
    m.rating,
    m.rating_max,
    m.rating_normalised,
    s.sentiment,
    s.sentiment_score,
    CASE WHEN m.rating_normalised IS NOT NULL THEN m.rating_normalised < 0.5
         ELSE s.sentiment = 'neg' END                                  AS negative,
    m.reply,
    m.reply_at,
    m.reply_at_basis,
    m.reply IS NOT NULL                                               AS answered,
    CASE WHEN m.reply_at_basis IN ('platform', 'crawl')
         THEN greatest(epoch(m.reply_at) - epoch(m.published_at), 0) / 3600.0 END AS response_hours,
    (epoch(now()) - epoch(m.published_at)) / 3600.0                   AS age_hours,
    r.own,
    coalesce((SELECT max(sla_hours) FROM reply_settings), 48)         AS sla_hours
FROM mentions AS m
JOIN (SELECT source, brand, bool_or(own) AS own FROM reply_sources GROUP BY ALL) AS r
  ON r.source = m.source AND r.brand = m.brand
LEFT JOIN mentions_scored AS s ON s.mention_id = m.mention_id
WHERE m.kind = 'review';

-- Per brand, source and ISO week (Monday, Amsterdam) of publication: the reply-rate benchmark
-- for the own brand and every competitor. share_negative_within_sla counts negative reviews
-- answered within the SLA among those whose outcome is known (answered with a known response
-- time, or unanswered for longer than the SLA); NULL when there are none.
CREATE OR REPLACE VIEW reply_performance AS
SELECT
    brand,
    source,
    CAST(date_trunc('week', amsterdam_day(published_at)) AS DATE)      AS week,
    any_value(own)                                                     AS own,
    count(*)                                                           AS reviews,
    count(*) FILTER (WHERE negative)                                   AS negative_reviews,
    count(*) FILTER (WHERE answered)                                   AS answered,
    round(avg(CAST(answered AS INTEGER)), 4)                           AS share_answered,
    round(count(*) FILTER (WHERE negative AND response_hours <= sla_hours)
          / nullif(count(*) FILTER (WHERE negative AND (response_hours IS NOT NULL
                                                        OR (NOT answered AND age_hours > sla_hours))), 0), 4)
                                                                       AS share_negative_within_sla,
    round(median(response_hours), 2)                                   AS median_response_hours,
    round(quantile_cont(response_hours, 0.9), 2)                       AS p90_response_hours,
    count(response_hours)                                              AS timed_replies,
    any_value(sla_hours)                                               AS sla_hours
FROM reply_facts
GROUP BY ALL;

-- The own brand's unanswered reviews: negative first, then oldest first.
CREATE OR REPLACE VIEW reply_inbox AS
SELECT
    f.mention_id,
    f.brand,
    f.source,
    f.published_at,
    round(f.age_hours, 1)                                              AS age_hours,
    f.negative,
    f.age_hours > f.sla_hours AND f.negative                           AS past_sla,
    f.rating,
    f.rating_max,
    f.sentiment,
    (SELECT list(DISTINCT a.label ORDER BY a.label)
     FROM aspect_tags AS t JOIN insight_aspects AS a ON a.aspect = t.aspect
     WHERE t.mention_id = f.mention_id)                                AS journey_steps,
    f.title,
    f.text,
    f.url
FROM reply_facts AS f
WHERE f.own AND NOT f.answered
ORDER BY f.negative DESC, f.published_at ASC;

-- Reviews whose rating or sentiment rose after a company reply: the version in force when
-- the company replied (mention_versions) against the review as it is now. month: the
-- Amsterdam month of the reply.
CREATE OR REPLACE VIEW recovered_customers AS
WITH before_reply AS (
    SELECT v.*, row_number() OVER (PARTITION BY v.mention_id ORDER BY v.superseded_at) AS n
    FROM mention_versions AS v
    JOIN mentions AS m ON m.mention_id = v.mention_id
    WHERE m.reply_at IS NOT NULL AND v.superseded_at >= m.reply_at
)
SELECT
    f.brand,
    f.source,
    CAST(date_trunc('month', amsterdam_day(f.reply_at)) AS DATE)       AS month,
    f.mention_id,
    v.rating                                                           AS rating_before,
    f.rating                                                           AS rating_after,
    f.rating_max,
    v.sentiment                                                        AS sentiment_before,
    f.sentiment                                                        AS sentiment_after,
    f.reply_at,
    v.superseded_at                                                    AS change_seen_at,
    f.title,
    f.url
FROM reply_facts AS f
JOIN before_reply AS v ON v.mention_id = f.mention_id AND v.n = 1
WHERE f.rating_normalised > v.rating_normalised
   OR (coalesce(f.rating_normalised = v.rating_normalised, true)
       AND list_position(['neg', 'neu', 'pos'], f.sentiment) > list_position(['neg', 'neu', 'pos'], v.sentiment));

-- Service recovery rate per brand and month of the reply: answered negative reviews and how
-- many of them were later raised.
CREATE OR REPLACE VIEW service_recovery AS
SELECT
    f.brand,
    CAST(date_trunc('month', amsterdam_day(f.reply_at)) AS DATE)       AS month,
    count(*)                                                           AS answered_negative,
    count(r.mention_id)                                                AS recovered,
    round(count(r.mention_id) / count(*), 4)                           AS recovery_rate
FROM reply_facts AS f
LEFT JOIN recovered_customers AS r ON r.mention_id = f.mention_id
WHERE f.answered AND (f.negative OR r.mention_id IS NOT NULL)
GROUP BY ALL;

-- Replies that read like a template: per brand, replies that are the same once the greeting's
-- name, digits, punctuation and case are set aside, used for at least three reviews.
CREATE OR REPLACE VIEW canned_replies AS
WITH normalised AS (
    SELECT brand, reply,
           trim(regexp_replace(regexp_replace(regexp_replace(lower(reply),
               '^\W*(beste|hoi|hallo|hi|hey|dag|dear|hello)\s+[^,!\n]{0,40}[,!]', ''),
               '[0-9]+', '#', 'g'), '[^[:alnum:]#]+', ' ', 'g')) AS template
    FROM reply_facts
    WHERE answered
)
SELECT
    brand,
    template,
    count(*)                                                           AS replies,
    round(count(*) / any_value(brand_replies), 4)                      AS share_of_replies,
    min(reply)                                                         AS example
FROM (SELECT *, count(*) OVER (PARTITION BY brand) AS brand_replies FROM normalised)
GROUP BY brand, template
HAVING count(*) >= 3;
