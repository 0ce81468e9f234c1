-- Row-level security as Supabase does it. The gateway runs each request in one transaction as
-- the role `authenticated`, with the caller's verified JWT claims set locally in
-- `request.jwt.claims`; `auth.uid()` reads the caller from them, and the policies below let a
-- user see and write only their own rows, whatever query the code sends (a missing WHERE
-- included). Stage services stay `redub_app` (no user); migrations and replay run as the owner,
-- which RLS does not apply to.
--
-- On Supabase the `auth` schema, `auth.uid()`, `auth.jwt()` and the `authenticated` role exist
-- already (owned by Supabase); they are created here only where they are missing, so the same
-- migration runs on Supabase (PostgreSQL 15 and 17) and on a bare server.
CREATE SCHEMA IF NOT EXISTS auth;

DO $$
BEGIN
    IF to_regprocedure('auth.jwt()') IS NULL THEN
        CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $f$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $f$;
    END IF;
    IF to_regprocedure('auth.uid()') IS NULL THEN
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
            )::uuid
        $f$;
    END IF;
END
$$;

-- Roles are cluster-wide; concurrent migrations of other databases may create it meanwhile.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The services' login (a member of redub_app) may become `authenticated` for one transaction.
-- Membership is cluster-wide too: granted once (PostgreSQL 16+ lets only a role's admins grant
-- it, and a database owner migrating later may not be one).
DO $$
BEGIN
    IF NOT pg_has_role('redub_app', 'authenticated', 'MEMBER') THEN
        GRANT authenticated TO redub_app;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA auth TO authenticated, redub_app;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.jwt() TO authenticated, redub_app;

-- What a signed-in user's request may touch at all; the policies narrow it to their rows.
GRANT SELECT, INSERT ON job_events TO authenticated;
GRANT INSERT ON outbox TO authenticated;
GRANT SELECT, INSERT ON handled TO authenticated;
GRANT SELECT, INSERT, UPDATE ON jobs TO authenticated;
GRANT SELECT, INSERT ON uploads TO authenticated;

-- Positions are global: the append lock must see every row, not only the caller's, so it
-- runs as its owner. A fixed search_path keeps a caller's objects out of it.
ALTER FUNCTION redub_append_lock() SECURITY DEFINER SET search_path = public, pg_temp;
GRANT EXECUTE ON FUNCTION redub_append_lock() TO authenticated;

ALTER TABLE job_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE handled ENABLE ROW LEVEL SECURITY;

CREATE POLICY job_events_own ON job_events FOR SELECT TO authenticated
    USING (user_id = auth.uid());
CREATE POLICY job_events_own_append ON job_events FOR INSERT TO authenticated
    WITH CHECK (user_id = auth.uid());
CREATE POLICY jobs_own ON jobs FOR SELECT TO authenticated
    USING (user_id = auth.uid());
CREATE POLICY jobs_own_insert ON jobs FOR INSERT TO authenticated
    WITH CHECK (user_id = auth.uid());
CREATE POLICY jobs_own_update ON jobs FOR UPDATE TO authenticated
    USING (user_id = auth.uid()) WITH CHECK (user_id = auth.uid());
CREATE POLICY uploads_own ON uploads FOR SELECT TO authenticated
    USING (user_id = auth.uid());
CREATE POLICY uploads_own_insert ON uploads FOR INSERT TO authenticated
    WITH CHECK (user_id = auth.uid());
-- The gateway's idempotency keys are "<user id>:<Idempotency-Key>".
CREATE POLICY handled_own ON handled FOR SELECT TO authenticated
    USING (consumer = 'gateway' AND starts_with(key, auth.uid()::text || ':'));
CREATE POLICY handled_own_insert ON handled FOR INSERT TO authenticated
    WITH CHECK (consumer = 'gateway' AND starts_with(key, auth.uid()::text || ':'));

-- Stage services act for every job.
CREATE POLICY job_events_service ON job_events TO redub_app USING (true) WITH CHECK (true);
CREATE POLICY jobs_service ON jobs TO redub_app USING (true) WITH CHECK (true);
CREATE POLICY uploads_service ON uploads TO redub_app USING (true) WITH CHECK (true);
CREATE POLICY handled_service ON handled TO redub_app USING (true) WITH CHECK (true);
