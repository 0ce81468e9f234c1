-- The retention rule has one definition, `purge_due_at` in libs/events/retention.py. Each
-- append stores its value in the job's row, so the sweep's query is a range scan over due
-- jobs instead of a second copy of the rule in SQL (which the in-memory store lacked).
ALTER TABLE jobs ADD COLUMN purge_due_at timestamptz;

-- Existing rows get the value the rule gave when this migration was written; every later
-- append to a job recomputes it in Python (and `redub replay` recomputes all of them).
UPDATE jobs SET purge_due_at = greatest(
        coalesce((view->>'completed_at')::timestamptz, (view->>'failed_at')::timestamptz)
            + make_interval(secs => (view->>'retention_hours')::float8 * 3600),
        (view->>'deletion_requested_at')::timestamptz + interval '1 hour')
    WHERE view->>'purged_at' IS NULL
      AND coalesce(view->>'completed_at', view->>'failed_at') IS NOT NULL;

-- Only jobs waiting for deletion are indexed: running and purged jobs have no due time.
CREATE INDEX jobs_purge_due_idx ON jobs (purge_due_at) WHERE purge_due_at IS NOT NULL;

-- It served the old retention query (status, completed_at), which nothing runs any more.
DROP INDEX IF EXISTS jobs_status_idx;
