-- Sentence embeddings kept from scoring (warehouse/embeddings.py): the e5 vector the sentiment
-- head read, once per text and model, so that texts can be searched by meaning and grouped
-- into complaint themes without running the model again. A mention's vector is found through
-- its score: sentiment_scores (mention_id, model_id, text_md5) -> text_embeddings. Identical
-- texts (a review posted under several brands, an aspect sentence repeated) share one row.
-- FLOAT[384] is 1,536 bytes a row: about 1.5 GB per million distinct texts (docs/search.md);
-- `sentiment.store_embeddings = false` in monitor.toml turns it off.
CREATE TABLE text_embeddings (
    text_md5   VARCHAR NOT NULL,     -- sentiment_scores.text_md5 for a mention, md5(sentence) for an aspect sentence
    model_id   VARCHAR NOT NULL,     -- the scorer's model id (encoder, head and precision)
    embedding  FLOAT[384] NOT NULL,  -- L2-normalised: inner product = cosine similarity
    list_id    INTEGER,              -- nearest centroid in embedding_lists; NULL before `klantstem search index`
    stored_at  TIMESTAMPTZ NOT NULL,
    of_mention BOOLEAN NOT NULL DEFAULT false  -- a mention's text (not only an aspect sentence): what search ranks
);

-- The coarse quantiser of `klantstem search index` (IVF): k-means centroids per model. A search
-- compares the query with the centroids and scans only the texts of the nearest few lists.
CREATE TABLE embedding_lists (
    model_id   VARCHAR NOT NULL,
    list_id    INTEGER NOT NULL,
    centroid   FLOAT[384] NOT NULL,
    size       BIGINT NOT NULL,      -- texts in the list when it was built
    built_at   TIMESTAMPTZ NOT NULL
);

-- Pairs of near-identical mentions (the same review text posted several times or under several
-- brands): mention_id is the later copy of original_id. Written with the embeddings
-- (warehouse/duplicates.py); the view mention_copies and the spike rules read it.
CREATE TABLE near_duplicates (
    mention_id   VARCHAR NOT NULL,
    original_id  VARCHAR NOT NULL,
    similarity   DOUBLE NOT NULL,
    found_at     TIMESTAMPTZ NOT NULL
);
