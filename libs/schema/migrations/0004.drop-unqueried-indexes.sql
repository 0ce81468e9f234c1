-- Nothing queries job_events by type or by user: billing exports scan the log in order.
-- Each index is one more write per event on the hot path, so they go until a query needs them.
DROP INDEX IF EXISTS job_events_type_idx;
DROP INDEX IF EXISTS job_events_user_idx;
