-- Reviews stored under the unkeyed fallback id sha1(brand|author|published_at|text) (40 hex
-- digits), which a list of guessed names maps back to their authors. Listed here once; the next
-- run, which has the salt, re-keys them to "h:" + HMAC(salt, that sha1) - the id a crawl now
-- computes - and empties the list (warehouse.identity.rekey_unkeyed_fallback_ids). Ids of
-- sources whose own ids happen to look the same are taken off the list, not re-keyed.
CREATE TABLE unkeyed_fallback_ids (
    source       VARCHAR NOT NULL,
    external_id  VARCHAR NOT NULL
);
INSERT INTO unkeyed_fallback_ids
SELECT source, external_id FROM mentions WHERE regexp_full_match(external_id, '[0-9a-f]{40}');
