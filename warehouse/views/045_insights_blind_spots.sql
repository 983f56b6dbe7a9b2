-- Blind spots: "hearing what customers do not say". What unhappy customers say about the own
-- brand in public but hardly in the company's survey, and the reverse.
--   public side: the own brand's organic mentions scored negative (mentions_scored.sentiment =
--     'neg', population = 'organic': what customers say unprompted; docs/provenance.md);
--   survey side: survey answers scoring 0-6 (the survey's unhappy customers).
-- Negative reviews the company invited are a prompted channel like the survey: kept out of
-- the comparison and shown beside it (invited_* columns), so an invitation campaign neither
-- hides nor invents a blind spot.
-- Comparing unhappy with unhappy keeps praise and complaint words from dominating; what is
-- left is a difference in *topic*. direction:
--   public_not_survey  'Publiek, niet in enquête'  significantly more frequent in public
--   survey_not_public  'Enquête, niet publiek'     significantly more frequent in the survey
--   both               'Beide'                     no significant difference

-- Per aspect: share of each side's texts that mention it; two-proportion z-test (only when
-- the aspect is in at least 5 texts on the two sides together; else z is NULL: 'both').
-- Counts and the test only, from aggregates: cheap enough for the dashboard (report/data.py)
-- to read at every build. blind_spot_aspects below adds what was said.
CREATE OR REPLACE VIEW blind_spot_aspect_stats AS
WITH own AS (
    SELECT brand FROM insight_brands WHERE own
), own_negative AS (
    SELECT mention_id, population FROM mentions_scored WHERE sentiment = 'neg' AND brand IN (SELECT brand FROM own)
), pub AS (
    SELECT mention_id FROM own_negative WHERE population = 'organic'
), inv AS (
    SELECT mention_id FROM own_negative WHERE population = 'invited'
), srv AS (
    SELECT answer_id FROM survey_answers WHERE score <= 6
), n AS (
    SELECT (SELECT count(*) FROM pub) AS n_pub, (SELECT count(*) FROM srv) AS n_srv, (SELECT count(*) FROM inv) AS n_inv
), pub_aspects AS (
    SELECT aspect, count(DISTINCT mention_id) AS y_pub
    FROM aspect_tags WHERE mention_id IN (SELECT mention_id FROM pub) GROUP BY aspect
), inv_aspects AS (
    SELECT aspect, count(DISTINCT mention_id) AS y_inv
    FROM aspect_tags WHERE mention_id IN (SELECT mention_id FROM inv) GROUP BY aspect
), srv_aspects AS (
    SELECT aspect, count(DISTINCT answer_id) AS y_srv
    FROM survey_aspects WHERE answer_id IN (SELECT answer_id FROM srv) GROUP BY aspect
), joined AS (
    SELECT
        ia.aspect, ia.label, ia.position, n.n_pub, n.n_srv, n.n_inv,
        coalesce(p.y_pub, 0) AS y_pub, coalesce(s.y_srv, 0) AS y_srv, coalesce(i.y_inv, 0) AS y_inv
    FROM insight_aspects AS ia
    CROSS JOIN n
    LEFT JOIN pub_aspects AS p USING (aspect)
    LEFT JOIN inv_aspects AS i USING (aspect)
    LEFT JOIN srv_aspects AS s USING (aspect)
), stats AS (
    SELECT
        *,
        y_pub / nullif(n_pub, 0) AS share_public,
        y_srv / nullif(n_srv, 0) AS share_survey,
        CASE WHEN n_pub > 0 AND n_srv > 0 AND y_pub + y_srv >= 5 AND y_pub + y_srv < n_pub + n_srv THEN
            (y_pub / n_pub - y_srv / n_srv)
            / sqrt(((y_pub + y_srv) / (n_pub + n_srv)) * (1 - (y_pub + y_srv) / (n_pub + n_srv)) * (1.0 / n_pub + 1.0 / n_srv))
        END AS z
    FROM joined
)
SELECT
    aspect,
    label                                AS aspect_label,
    position,
    n_pub                                AS public_negative_mentions,
    y_pub                                AS public_mentions,
    share_public,
    n_srv                                AS survey_unhappy_answers,
    y_srv                                AS survey_answers,
    share_survey,
    share_public - share_survey          AS difference,
    z,
    CASE WHEN z >= 1.96 THEN 'public_not_survey' WHEN z <= -1.96 THEN 'survey_not_public' ELSE 'both' END AS direction,
    CASE WHEN z >= 1.96 THEN 'Publiek, niet in enquête' WHEN z <= -1.96 THEN 'Enquête, niet publiek' ELSE 'Beide' END AS direction_label,
    n_inv                                AS invited_negative_mentions,
    y_inv                                AS invited_mentions,
    y_inv / nullif(n_inv, 0)             AS share_invited
FROM stats;

-- blind_spot_aspect_stats with what was said, attached to its per-aspect rows:
--   public_negative_about_aspect: the own brand's organic judgements of the aspect that are
--     negative (mention_aspects.sentiment, the aspect's own sentiment);
--   public_examples: up to 3 of those sentences, the most recent first (distinct texts);
--   survey_examples: up to 3 answers scoring 0-6 that name the aspect, the most recent first.
CREATE OR REPLACE VIEW blind_spot_aspects AS
WITH own AS (
    SELECT brand FROM insight_brands WHERE own
), pub_negative AS (
    -- one row per aspect and distinct sentence, for the count and the examples alike
    SELECT aspect, example, count(*) AS n, max(day) AS last_day
    FROM mention_aspects
    WHERE is_negative = 1 AND brand IN (SELECT brand FROM own) AND population = 'organic'
    GROUP BY aspect, example
), public_side AS (
    SELECT aspect, sum(n) AS negative_about, list(example ORDER BY last_day DESC, example)[1:3] AS examples
    FROM pub_negative
    GROUP BY aspect
), survey_side AS (
    SELECT aspect, list(answer ORDER BY last_day DESC, answer)[1:3] AS examples
    FROM (
        SELECT sa.aspect, a.answer, max(a.answered_on) AS last_day
        FROM survey_aspects AS sa JOIN survey_answers AS a USING (answer_id)
        WHERE a.score <= 6
        GROUP BY sa.aspect, a.answer
    )
    GROUP BY aspect
)
SELECT
    s.aspect,
    s.aspect_label,
    s.position,
    s.public_negative_mentions,
    s.public_mentions,
    s.share_public,
    coalesce(p.negative_about, 0)        AS public_negative_about_aspect,
    s.survey_unhappy_answers,
    s.survey_answers,
    s.share_survey,
    s.difference,
    s.z,
    s.direction,
    s.direction_label,
    p.examples                           AS public_examples,
    v.examples                           AS survey_examples,
    s.invited_negative_mentions,
    s.invited_mentions,
    s.share_invited
FROM blind_spot_aspect_stats AS s
LEFT JOIN public_side AS p USING (aspect)
LEFT JOIN survey_side AS v USING (aspect);

-- Per term (stem or two-word phrase; in at least 5 texts on the two sides together): the
-- log-odds ratio of the share of texts that contain the term, with an informative prior
-- (in the spirit of Monroe, Colaresi & Quinn 2008, "Fightin' words", on binary counts: a
-- text counts once per term). The prior is a Beta distribution centred on the term's share
-- over both sides together, worth 10 texts, so a term seen in 3 public mentions and no
-- survey answer is shrunk towards "no difference" while 9 of 24 against 0 of 24 is not.
-- z = log-odds / its standard error; |z| >= 1.96 is significant (rank by z: many terms
-- are compared at once).
-- Terms are stems of one language: the public side is the own brand's negative mentions in the
-- survey's language (the first own brand's first language, which the survey is read in; see
-- docs/insights.md "Languages"), so French stems do not look absent from a Dutch survey.
CREATE OR REPLACE VIEW blind_spot_terms AS
WITH own AS (
    SELECT brand FROM insight_brands WHERE own
), survey_language AS (
    SELECT coalesce(min_by(languages[1], position), 'nl') AS language FROM insight_brands WHERE own
), own_negative AS (  -- a mention not tagged yet has no terms; it counts as the survey's language
    SELECT ms.mention_id, ms.population FROM mentions_scored AS ms LEFT JOIN insight_tagged AS t USING (mention_id)
    WHERE ms.sentiment = 'neg' AND ms.brand IN (SELECT brand FROM own)
      AND coalesce(t.language, (SELECT language FROM survey_language)) = (SELECT language FROM survey_language)
), pub AS (
    SELECT mention_id FROM own_negative WHERE population = 'organic'
), inv AS (
    SELECT mention_id FROM own_negative WHERE population = 'invited'
), inv_terms AS (
    SELECT term, count(*) AS y_inv
    FROM mention_terms WHERE mention_id IN (SELECT mention_id FROM inv) GROUP BY term
), srv AS (
    SELECT answer_id FROM survey_answers WHERE score <= 6
), pub_terms AS (
    SELECT term, count(*) AS y_pub, mode(surface) AS surface
    FROM mention_terms WHERE mention_id IN (SELECT mention_id FROM pub) GROUP BY term
), srv_terms AS (
    SELECT term, count(*) AS y_srv, mode(surface) AS surface
    FROM survey_terms WHERE answer_id IN (SELECT answer_id FROM srv) GROUP BY term
), counts AS (
    SELECT term, coalesce(p.surface, s.surface) AS surface,
           coalesce(p.y_pub, 0) AS y_pub, coalesce(s.y_srv, 0) AS y_srv
    FROM pub_terms AS p FULL OUTER JOIN srv_terms AS s USING (term)
), prior AS (
    SELECT c.*, n.n_pub, n.n_srv,
           10.0 * (c.y_pub + c.y_srv) / (n.n_pub + n.n_srv)       AS alpha,
           10.0 * (1 - (c.y_pub + c.y_srv) / (n.n_pub + n.n_srv)) AS beta
    FROM counts AS c
    CROSS JOIN (SELECT (SELECT count(*) FROM pub) AS n_pub, (SELECT count(*) FROM srv) AS n_srv) AS n
    WHERE c.y_pub + c.y_srv >= 5 AND n.n_pub > 0 AND n.n_srv > 0
), scored AS (
    SELECT
        *,
        ln((y_pub + alpha) / (n_pub - y_pub + beta)) - ln((y_srv + alpha) / (n_srv - y_srv + beta)) AS log_odds,
        sqrt(1.0 / (y_pub + alpha) + 1.0 / (n_pub - y_pub + beta)
             + 1.0 / (y_srv + alpha) + 1.0 / (n_srv - y_srv + beta)) AS se
    FROM prior
), ranked AS (
    SELECT *, log_odds / se AS z FROM scored
), pub_examples AS (
    SELECT mt.term, list(left(m.text, 200) ORDER BY m.published_at DESC, m.mention_id)[1:3] AS examples
    FROM mention_terms AS mt
    JOIN mentions AS m USING (mention_id)
    WHERE mt.mention_id IN (SELECT mention_id FROM pub)
      AND mt.term IN (SELECT term FROM ranked WHERE z >= 1.96)
    GROUP BY mt.term
), srv_examples AS (
    SELECT st.term, list(left(a.answer, 200) ORDER BY a.answered_on DESC, a.answer_id)[1:3] AS examples
    FROM survey_terms AS st
    JOIN survey_answers AS a USING (answer_id)
    WHERE st.answer_id IN (SELECT answer_id FROM srv)
      AND st.term IN (SELECT term FROM ranked WHERE z <= -1.96)
    GROUP BY st.term
)
SELECT
    r.term,
    r.surface,
    r.y_pub                             AS public_mentions,
    r.y_pub / r.n_pub                   AS share_public,
    r.y_srv                             AS survey_answers,
    r.y_srv / r.n_srv                   AS share_survey,
    r.log_odds,
    r.z,
    CASE WHEN r.z >= 1.96 THEN 'public_not_survey' WHEN r.z <= -1.96 THEN 'survey_not_public' ELSE 'both' END AS direction,
    CASE WHEN r.z >= 1.96 THEN 'Publiek, niet in enquête' WHEN r.z <= -1.96 THEN 'Enquête, niet publiek' ELSE 'Beide' END AS direction_label,
    coalesce(pe.examples, se.examples)  AS examples,
    coalesce(it.y_inv, 0)               AS invited_mentions,
    coalesce(it.y_inv, 0) / nullif((SELECT count(*) FROM inv), 0) AS share_invited
FROM ranked AS r
LEFT JOIN pub_examples AS pe USING (term)
LEFT JOIN srv_examples AS se USING (term)
LEFT JOIN inv_terms AS it USING (term);
