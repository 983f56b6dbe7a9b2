-- The correction in force beside the model's label in the maintained table (migration 004), so
-- daily_aggregates count the corrected label (written by warehouse/corrections.py and
-- incremental.rebuild).
ALTER TABLE current_scores ADD COLUMN corrected_label VARCHAR;
