-- Nothing reads job_tasks or artifacts: the gateway and the stages read jobs.view, which
-- holds a job's tasks and artifacts whole, and billing replays job_events. Every append
-- still upserted both, so they go; a projection a reader needs can be rebuilt from the log.
DROP TABLE IF EXISTS job_tasks;
DROP TABLE IF EXISTS artifacts;
