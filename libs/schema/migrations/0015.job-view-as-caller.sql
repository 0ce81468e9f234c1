-- The read a client polls (`GET /v1/jobs/{id}`) as one statement. A request's usual session is
-- four round trips before the pool's reset (BEGIN, become the caller, SELECT, COMMIT); against
-- a database across a network each is a wait, and on a busy host each wakes the server again.
-- This function becomes the caller exactly as the session does (role `authenticated`, the
-- caller's verified claims in `request.jwt.claims`), reads through the same row-level security
-- (migration 0010), and restores both before it returns, so it is safe inside any transaction.
--
-- Only the services may call it: EXECUTE is revoked from PUBLIC, so neither `authenticated`
-- nor `anon` (on Supabase, anything PostgREST exposes) can name claims of their choosing.
CREATE FUNCTION redub_job_view_as(claims text, job uuid) RETURNS text
LANGUAGE plpgsql VOLATILE SET search_path = public, pg_temp AS $$
DECLARE
    prior_role text := current_setting('role');
    prior_claims text := coalesce(current_setting('request.jwt.claims', true), '');
    found text;
BEGIN
    PERFORM set_config('role', 'authenticated', true),
            set_config('request.jwt.claims', claims, true);
    SELECT view::text INTO found FROM jobs WHERE job_id = job;
    PERFORM set_config('request.jwt.claims', prior_claims, true),
            set_config('role', prior_role, true);
    RETURN found;
END
$$;
REVOKE ALL ON FUNCTION redub_job_view_as(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION redub_job_view_as(text, uuid) TO redub_app;
