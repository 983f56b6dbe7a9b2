-- The maintained tables (migration 004) keep the organic/invited split, so daily_sentiment shows
-- the organic series with the invited one beside it. daily_aggregates is keyed by (day, brand,
-- source, population): population 'invited' when provenance = 'invited', else 'organic'. Rows
-- written before this migration have no provenance, so they are all organic: no rebuild needed.
ALTER TABLE current_scores ADD COLUMN provenance VARCHAR;
ALTER TABLE daily_aggregates ADD COLUMN population VARCHAR NOT NULL DEFAULT 'organic';
