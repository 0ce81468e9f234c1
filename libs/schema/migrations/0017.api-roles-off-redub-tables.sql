-- On Supabase, the project's setup grants `anon`, `authenticated` and `service_role` every
-- privilege on each new table in `public` (default privileges), and the Data API (PostgREST)
-- serves whatever they may touch: with the public anon key anyone could have read or emptied
-- the outbox or the migration log. Redub's tables belong to Redub's processes: the API roles
-- lose every grant on them, and `authenticated` gets back exactly what the gateway's requests
-- use (migration 0010 and the upload declarations), which row-level security narrows to the
-- caller's rows. Those are still the caller's to write through the Data API too, so Redub's
-- schema must not be one it exposes (docs/operations.md). On a server without these roles
-- nothing changes.
DO $$
DECLARE
    api_role text;
    redub_table text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role);
        FOR redub_table IN
            SELECT tablename FROM pg_tables
            WHERE schemaname = current_schema()
              AND tablename IN ('job_events', 'jobs', 'outbox', 'handled', 'uploads',
                                'download_links', 'yoyo_lock', '_yoyo_log', '_yoyo_version',
                                '_yoyo_migration')
        LOOP
            EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', redub_table, api_role);
        END LOOP;
    END LOOP;
END
$$;
GRANT SELECT, INSERT ON job_events TO authenticated;
GRANT INSERT ON outbox TO authenticated;
GRANT SELECT, INSERT ON handled TO authenticated;
GRANT SELECT, INSERT, UPDATE ON jobs TO authenticated;
GRANT SELECT, INSERT, UPDATE ON uploads TO authenticated;
