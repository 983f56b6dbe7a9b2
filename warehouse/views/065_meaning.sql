-- Search by meaning on the sentence embeddings kept from scoring (migration 060,
-- docs/search.md). Vectors are L2-normalised, so array_inner_product is the cosine similarity.

-- Every scored mention with the embedding its current score came from (mentions whose model
-- has no embedding, or scored with store_embeddings off, are absent).
CREATE OR REPLACE VIEW mention_embeddings AS
SELECT
    m.mention_id,
    m.brand,
    m.source,
    m.day,
    m.published_at,
    m.language,
    m.sentiment,
    m.population,
    m.model_id,
    s.text_md5,
    e.list_id,
    e.embedding
FROM mentions_scored AS m
JOIN sentiment_scores AS s ON s.mention_id = m.mention_id AND s.model_id = m.model_id
JOIN text_embeddings AS e ON e.text_md5 = s.text_md5 AND e.model_id = s.model_id;

-- The k mentions closest in meaning to a query vector (FLOAT[384], from the same model: e.g.
-- the embedding of another mention, or one printed by `klantstem search --print-vector`):
--   FROM search_vector((SELECT embedding FROM mention_embeddings WHERE mention_id = '...'), 10)
CREATE OR REPLACE MACRO search_vector(query_vector, k := 20) AS TABLE
SELECT e.mention_id, e.brand, e.source, e.day, e.sentiment,
       array_inner_product(e.embedding, CAST(query_vector AS FLOAT[384])) AS similarity,
       left(concat_ws('. ', nullif(trim(m.title), ''), m.text), 200) AS text
FROM mention_embeddings AS e
JOIN mentions AS m USING (mention_id)
ORDER BY similarity DESC, e.mention_id
LIMIT k;

-- "More like this": the k mentions closest in meaning to one mention (itself left out).
CREATE OR REPLACE MACRO more_like(target_id, k := 20) AS TABLE
SELECT * FROM search_vector(
    (SELECT embedding FROM mention_embeddings WHERE mention_id = target_id LIMIT 1), k := k + 1)
WHERE mention_id <> target_id
LIMIT k;

-- Near-duplicate mentions (warehouse/duplicates.py): each copy with its earliest original.
-- The spike rules leave these out of their counts (a copy is not another voice).
CREATE OR REPLACE VIEW mention_copies AS
SELECT
    d.mention_id,
    c.brand,
    c.published_at,
    arg_min(d.original_id, (o.published_at, d.original_id)) AS original_id,
    arg_min(o.brand, (o.published_at, d.original_id))        AS original_brand,
    max(d.similarity)                                         AS similarity,
    count(*)                                                  AS originals
FROM near_duplicates AS d
JOIN mentions AS c ON c.mention_id = d.mention_id
JOIN mentions AS o ON o.mention_id = d.original_id
GROUP BY d.mention_id, c.brand, c.published_at;

-- Every scored aspect sentence with its embedding (stored by the insights refresh, keyed by
-- md5 of the sentence): search complaints at sentence level, e.g. with search_vector's SQL.
CREATE OR REPLACE VIEW aspect_sentence_embeddings AS
SELECT a.mention_id, a.sentence_no, a.sentence, a.label, a.model_id, e.embedding
FROM aspect_sentences AS a
JOIN text_embeddings AS e ON e.text_md5 = md5(a.sentence) AND e.model_id = a.model_id;
