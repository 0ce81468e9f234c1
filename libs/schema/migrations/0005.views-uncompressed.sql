-- A job's view row is rewritten on every append to the job and is a few KiB of JSON:
-- past the default 2 KiB target PostgreSQL compressed it (pglz) on each write and
-- decompressed it on each read. Rows below one page are now stored as they are.
ALTER TABLE jobs SET (toast_tuple_target = 8160);
