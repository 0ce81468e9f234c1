"""The job read model port on PostgreSQL: the `jobs` table the appends keep current."""

from datetime import datetime
from uuid import UUID

import asyncpg

from libs.events.job_view import JobView


class PostgresJobViews:
    """Reads `jobs` rows; `purge_due_at` is `retention.purge_due_at`, stored with the view."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def load_view(self, job_id: UUID) -> JobView | None:
        raw = await self.pool.fetchval("SELECT view::text FROM jobs WHERE job_id = $1", job_id)
        return JobView.model_validate_json(raw) if raw else None

    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        rows = await self.pool.fetch(
            "SELECT view::text FROM jobs WHERE purge_due_at <= $1 ORDER BY purge_due_at LIMIT $2",
            now,
            limit,
        )
        return [JobView.model_validate_json(r[0]) for r in rows]

    async def jobs_finished_before(self, cutoff: datetime, limit: int = 1000) -> list[JobView]:
        # An operator's command, not a hot path: the unpurged jobs are scanned. The
        # `completed_at` column is the view's completion or failure (`view_rows.job_row`).
        rows = await self.pool.fetch(
            "SELECT view::text FROM jobs WHERE purged_at IS NULL AND completed_at < $1"
            " ORDER BY completed_at LIMIT $2",
            cutoff,
            limit,
        )
        return [JobView.model_validate_json(r[0]) for r in rows]
