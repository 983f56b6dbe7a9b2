-- Company replies as data and reviews' earlier versions (docs/replies.md).
-- reply_at: when the company replied; reply_at_basis says where that time comes from:
--   'platform'    the platform states it (Trustpilot reply.publishedDate, Google Play, Business Profile);
--   'crawl'       the reply appeared between two crawls of a review first seen unanswered: the
--                 crawl that first saw it (late by at most the time between runs);
--   'first_crawl' the review was answered when first crawled and the platform gives no date:
--                 only a bound, left out of response times.
-- reply_author: the pseudonym of the person who replied, where a platform names one.
ALTER TABLE mentions ADD COLUMN reply_at TIMESTAMPTZ;
ALTER TABLE mentions ADD COLUMN reply_at_basis VARCHAR;
ALTER TABLE mentions ADD COLUMN reply_author VARCHAR;
ALTER TABLE mentions ADD COLUMN version_seen_at TIMESTAMPTZ;   -- when the current rating/text was first seen

-- Every earlier version of a review whose rating, title or text changed: written by
-- warehouse.load.upsert_mentions in the load's transaction, before the row is overwritten.
-- mentions holds the current version, as before. Key: (mention_id, superseded_at).
CREATE TABLE mention_versions (
    mention_id        VARCHAR NOT NULL,            -- the review's current id (re-keyed with it)
    external_id       VARCHAR NOT NULL,            -- the id this version was stored under
    published_at      TIMESTAMPTZ NOT NULL,
    title             VARCHAR,
    text              VARCHAR NOT NULL,
    rating            DOUBLE,
    rating_normalised DOUBLE,
    sentiment         VARCHAR,                     -- the label in force for this text (correction first)
    sentiment_score   DOUBLE,
    reply             VARCHAR,
    reply_at          TIMESTAMPTZ,
    seen_from         TIMESTAMPTZ,                 -- when this version was first seen
    superseded_at     TIMESTAMPTZ NOT NULL         -- when a crawl saw the next version
);

-- What the reply views need from monitor.toml, written by each daily run (flows.steps):
-- the sources whose platform shows company replies (only there does "unanswered" mean
-- anything), whether the brand is the company itself, and the reply SLA in hours
-- (alerts.reply_sla_hours).
CREATE TABLE reply_sources (
    source       VARCHAR NOT NULL,
    brand        VARCHAR NOT NULL,
    source_type  VARCHAR NOT NULL,
    own          BOOLEAN NOT NULL
);
CREATE TABLE reply_settings (
    sla_hours    DOUBLE NOT NULL
);
