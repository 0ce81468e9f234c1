-- Uploads have their own retention: one no live job names is purged by the janitor (never
-- used: after REDUB_UPLOAD_RETENTION_HOURS; used: once every job naming it is purged), and
-- `purged_at` says so; the gateway refuses a purged upload. A stem two jobs share is kept
-- until neither needs it (services/janitor/stem_ledger.py).
ALTER TABLE uploads ADD COLUMN purged_at timestamptz;
CREATE INDEX uploads_unpurged_idx ON uploads (created_at) WHERE purged_at IS NULL;
CREATE INDEX uploads_key_idx ON uploads (key);

-- "Which jobs not yet purged name this stem?": the janitor asks it of every stem it purges.
CREATE INDEX jobs_voice_key_idx ON jobs ((view->'voice'->'blob'->>'key'))
    WHERE view->>'purged_at' IS NULL;
CREATE INDEX jobs_background_key_idx ON jobs ((view->'background'->'blob'->>'key'))
    WHERE view->>'purged_at' IS NULL;

-- The janitor marks uploads purged; nothing else of an upload row ever changes.
GRANT UPDATE (purged_at) ON uploads TO redub_app;
