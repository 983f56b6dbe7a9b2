-- Who prompted each review (klantstem/provenance.py): 'organic' | 'invited' | 'other', NULL where
-- the source says nothing, plus the platform's verification label and its raw origin value.
ALTER TABLE mentions ADD COLUMN provenance VARCHAR;
ALTER TABLE mentions ADD COLUMN verification VARCHAR;
ALTER TABLE mentions ADD COLUMN provenance_raw VARCHAR;
