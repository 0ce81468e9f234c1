-- A job's view is written whole and read whole, as text (`view::text`, then validated by the
-- reader's model): PostgreSQL never needs its structure. As jsonb, every write parsed the
-- ~8 KB document into jsonb and, past one page (a three-language job's jsonb is ~8.6 KB),
-- compressed it with pglz; every read converted it back to text. `redub replay` spent most of
-- its database time there. As json the text is only validated, stored as written (rows below
-- one page uncompressed, as 0005 meant) and read back as it is.
--
-- Operators on json parse the whole text on every call, so nothing indexed may look inside
-- the view any more: the janitor's stem keys (0012) and whether the job is purged become
-- columns of their own, written with the view like `purge_due_at` (0006).
DROP INDEX IF EXISTS jobs_voice_key_idx;
DROP INDEX IF EXISTS jobs_background_key_idx;

ALTER TABLE jobs
    ADD COLUMN voice_key      text,
    ADD COLUMN background_key text,
    ADD COLUMN purged_at      timestamptz;

UPDATE jobs SET voice_key = view->'voice'->'blob'->>'key',
                background_key = view->'background'->'blob'->>'key',
                purged_at = (view->>'purged_at')::timestamptz;

ALTER TABLE jobs ALTER COLUMN view TYPE json USING view::json;

-- "Which jobs not yet purged name this stem?" (services/janitor/postgres_stem_ledger.py).
CREATE INDEX jobs_voice_key_idx ON jobs (voice_key) WHERE purged_at IS NULL;
CREATE INDEX jobs_background_key_idx ON jobs (background_key) WHERE purged_at IS NULL;
