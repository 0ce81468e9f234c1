"""Gauges read from the database: outbox backlog, running jobs' age, overdue purges."""

import asyncio

import asyncpg
import structlog

from libs.observability.metrics import (
    ACTIVE_JOBS,
    OLDEST_ACTIVE_JOB_AGE,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    PURGE_OVERDUE_JOBS,
    PURGE_OVERDUE_SECONDS,
)

log = structlog.get_logger()

# One round trip, every part through an index: the oldest outbox row is the first by
# position (positions are assigned in commit order), running jobs have a partial index
# (migration 0012), and `purge_due_at` is set only on jobs waiting for deletion (indexed).
QUERY = """
SELECT
  (SELECT count(*) FROM outbox) AS outbox,
  coalesce((SELECT extract(epoch FROM now() - created_at)
              FROM outbox ORDER BY position LIMIT 1), 0) AS outbox_age,
  (SELECT count(*) FROM jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')) AS active,
  (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)
     FROM jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')) AS active_age,
  (SELECT count(*) FROM jobs WHERE purge_due_at < now()) AS overdue,
  (SELECT coalesce(extract(epoch FROM now() - min(purge_due_at)), 0)
     FROM jobs WHERE purge_due_at < now()) AS overdue_age
"""


async def refresh_pipeline_gauges(pool: asyncpg.Pool) -> None:
    """Set the database gauges from one query."""
    row = await pool.fetchrow(QUERY)
    assert row is not None
    OUTBOX_BACKLOG.set(row["outbox"])
    OUTBOX_OLDEST_AGE.set(float(row["outbox_age"]))
    ACTIVE_JOBS.set(row["active"])
    OLDEST_ACTIVE_JOB_AGE.set(float(row["active_age"]))
    PURGE_OVERDUE_JOBS.set(row["overdue"])
    PURGE_OVERDUE_SECONDS.set(float(row["overdue_age"]))


async def watch_pipeline_gauges(
    pool: asyncpg.Pool, stop: asyncio.Event, interval_s: float = 15.0
) -> None:
    """Refresh every `interval_s` until `stop` is set; a failed refresh keeps the last values."""
    while not stop.is_set():
        try:
            await refresh_pipeline_gauges(pool)
        except Exception as exc:
            log.debug("pipeline gauges refresh failed", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass
