-- Services connect as a member of `redub_app`, a role that neither owns the tables nor is a
-- superuser: it cannot disable the append-only trigger, alter a table or rewrite history,
-- whatever the application code tries. Migrations (and `redub replay`) run as the owner.
--
-- Role names are cluster-wide while each database runs its migrations, so creation is
-- idempotent and tolerates a role made meanwhile by another database's migration. It also
-- runs as a database owner that is not a superuser (Supabase's `postgres`: CREATEROLE).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redub_app') THEN
        CREATE ROLE redub_app NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created concurrently by another migration on this server
END
$$;

-- The log: read and append, nothing else (no UPDATE, DELETE or TRUNCATE).
GRANT SELECT, INSERT ON job_events TO redub_app;
-- The outbox: writers insert, publishers claim (SELECT ... FOR UPDATE needs UPDATE) and delete.
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO redub_app;
-- Idempotency keys: claimed by appends, dropped by the janitor past their horizon.
GRANT SELECT, INSERT, DELETE ON handled TO redub_app;
-- The job views: upserted by appends, read by the gateway and the stages.
GRANT SELECT, INSERT, UPDATE ON jobs TO redub_app;
-- Upload metadata, written and read by the gateway.
GRANT SELECT, INSERT ON uploads TO redub_app;
GRANT EXECUTE ON FUNCTION redub_append_lock() TO redub_app;
