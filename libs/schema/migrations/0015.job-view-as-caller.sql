-- The read a client polls (`GET /v1/jobs/{id}`) as one statement. A request's usual session is
-- four round trips before the pool's reset (BEGIN, become the caller, SELECT, COMMIT); against
-- a database across a network each is a wait, and on a busy host each wakes the server again.
-- This function becomes the caller exactly as the session does (role `authenticated`, the
-- caller's verified claims in `request.jwt.claims`), reads through the same row-level security
-- (migration 0010), and restores both before it returns, so it is safe inside any transaction.
--
-- Whoever may call it chooses whose claims it runs with, so only the services may: it lives in
-- a schema of its own that only `redub_app` may use (Supabase's Data API serves `public`, and
-- Supabase's default privileges grant every new function there to `anon` and `authenticated`),
-- EXECUTE is revoked from PUBLIC and from Supabase's API roles wherever they exist, and the
-- function itself refuses a caller that is not a service.
CREATE SCHEMA IF NOT EXISTS redub_private;
REVOKE ALL ON SCHEMA redub_private FROM PUBLIC;
GRANT USAGE ON SCHEMA redub_private TO redub_app;

CREATE FUNCTION redub_private.job_view_as(claims text, job uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
    prior_role text := current_setting('role');
    prior_claims text := coalesce(current_setting('request.jwt.claims', true), '');
    view_text text;
BEGIN
    IF NOT pg_has_role(current_user, 'redub_app', 'MEMBER') THEN
        RAISE EXCEPTION 'only the services may read a job as its caller'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('role', 'authenticated', true),
            set_config('request.jwt.claims', claims, true);
    SELECT view::text INTO view_text FROM jobs WHERE job_id = job;
    PERFORM set_config('request.jwt.claims', prior_claims, true),
            set_config('role', prior_role, true);
    RETURN view_text;
END
$$;
REVOKE ALL ON FUNCTION redub_private.job_view_as(text, uuid) FROM PUBLIC;
DO $$
DECLARE
    api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role) THEN
            EXECUTE format(
                'REVOKE ALL ON FUNCTION redub_private.job_view_as(text, uuid) FROM %I', api_role
            );
        END IF;
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION redub_private.job_view_as(text, uuid) TO redub_app;
