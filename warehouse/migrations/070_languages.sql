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
