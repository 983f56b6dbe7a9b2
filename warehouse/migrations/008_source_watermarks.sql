-- Per source and brand: the start of the last crawl that got to its end (warehouse/crawl_runs.py).
-- Paging stops only at reviews published before it, so a crawl that failed on page 3 leaves
-- no gap behind the pages it stored. Empty after this migration: each source's next crawl
-- pages to the end once (up to max_pages), which also fills gaps left before it existed.

CREATE TABLE source_watermarks (
    source            VARCHAR NOT NULL,
    brand             VARCHAR NOT NULL,
    complete_through  TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (source, brand)
);
