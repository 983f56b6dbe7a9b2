-- mentions and current_scores without their primary-key / UNIQUE indexes, so that writing a
-- day costs the same at any size of history (docs/operations.md, "Writing a day").
-- The ART indexes behind those keys hold md5 ids: every new row touches another part of the
-- tree, which DuckDB reads from disk on first touch and writes back whole at checkpoint, so a
-- day's write grew with the number of rows indexed. Uniqueness is kept by the only writers of
-- the two tables (warehouse/load.py, warehouse/incremental.py, warehouse/identity.py): they
-- look a batch's ids up (warehouse/keys.py: through id_hash, the low 64 bits of
-- md5(mention_id), one integer column cheap to scan) and update the rows found by rowid, in
-- one transaction. Each table is rebuilt with all its columns (also those of later migrations
-- already applied) plus id_hash, in order of publication (zone maps on published_at and day
-- then skip most of the file), and its NOT NULL columns and defaults are set again.
CREATE TABLE mentions_rebuilt AS
SELECT *, md5_number_lower(mention_id) AS id_hash FROM mentions ORDER BY published_at, mention_id;
DROP TABLE mentions;
ALTER TABLE mentions_rebuilt RENAME TO mentions;
ALTER TABLE mentions ALTER COLUMN mention_id SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN source SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN external_id SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN brand SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN kind SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN kind SET DEFAULT 'review';
ALTER TABLE mentions ALTER COLUMN published_at SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN text SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN first_seen_at SET NOT NULL;
ALTER TABLE mentions ALTER COLUMN last_seen_at SET NOT NULL;

CREATE TABLE current_scores_rebuilt AS
SELECT *, md5_number_lower(mention_id) AS id_hash FROM current_scores ORDER BY published_at, mention_id;
DROP TABLE current_scores;
ALTER TABLE current_scores_rebuilt RENAME TO current_scores;
ALTER TABLE current_scores ALTER COLUMN mention_id SET NOT NULL;
