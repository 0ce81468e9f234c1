-- Uploads are declared first (kind, size, sha256), sent straight to storage with a signed URL,
-- then verified by decoding before a job may name them. A row is `pending` until verified;
-- a refused upload keeps its row (`refused`, with the reason) and loses its blob.
ALTER TABLE uploads
    ADD COLUMN kind        text,
    ADD COLUMN status      text        NOT NULL DEFAULT 'verified',
    ADD COLUMN refusal     text,
    ADD COLUMN verified_at timestamptz,
    ADD COLUMN purged_at   timestamptz,
    ALTER COLUMN duration_s DROP NOT NULL,
    ADD CONSTRAINT uploads_status CHECK (status IN ('pending', 'verified', 'refused')),
    ADD CONSTRAINT uploads_kind CHECK (kind IS NULL OR kind IN ('voice', 'background')),
    -- A job may only name audio whose length is known.
    ADD CONSTRAINT uploads_verified_has_duration
        CHECK (status <> 'verified' OR duration_s IS NOT NULL);
CREATE UNIQUE INDEX uploads_key_idx ON uploads (key);

-- Verifying updates the caller's own row; the services mark purges.
GRANT UPDATE ON uploads TO authenticated, redub_app;
CREATE POLICY uploads_own_update ON uploads FOR UPDATE TO authenticated
    USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());
