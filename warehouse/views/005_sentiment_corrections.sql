-- The correction in force per mention: the latest entry of sentiment_correction_log, unless
-- that entry withdrew it (label NULL). mentions_scored and daily_sentiment use its label in
-- place of the model's.
CREATE OR REPLACE VIEW sentiment_corrections AS
SELECT mention_id, label, corrected_by, corrected_at, reason, model_id, model_label
FROM (
    SELECT *
    FROM sentiment_correction_log
    QUALIFY row_number() OVER (PARTITION BY mention_id ORDER BY corrected_at DESC) = 1
)
WHERE label IS NOT NULL;
