-- The "running jobs" and "oldest running job" gauges (libs/events/pipeline_gauges.py) are
-- read every few seconds: a partial index holds only running jobs, so the query never scans
-- the finished ones. Appends leave its column alone and change `status` only at a job's few
-- transitions, so they stay HOT updates; the index is as small as the work in flight.
CREATE INDEX jobs_active_idx ON jobs (created_at) WHERE status NOT IN ('completed', 'failed', 'cancelled');
