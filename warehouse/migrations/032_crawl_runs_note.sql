-- A crawl can succeed and still be incomplete (the first crawl stopped at max_pages before the
-- oldest review): one line saying so, shown in the run summary beside the status.
ALTER TABLE crawl_runs ADD COLUMN note VARCHAR;
