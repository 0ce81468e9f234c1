"""The job read model port in memory, over a `MemoryLog`."""

from datetime import datetime
from uuid import UUID

from libs.events.job_view import JobView
from libs.events.memory_log import MemoryLog
from libs.events.retention import finished_at, past_retention, purge_due_at


class MemoryJobViews:
    """Reads the views a `MemoryLog`'s batches wrote."""

    def __init__(self, log: MemoryLog) -> None:
        self.log = log

    async def load_view(self, job_id: UUID) -> JobView | None:
        raw = self.log.views.get(job_id)
        return JobView.model_validate_json(raw) if raw else None

    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        views = [JobView.model_validate_json(v) for v in self.log.views.values()]
        due = [v for v in views if past_retention(v, now)]
        return sorted(due, key=lambda v: purge_due_at(v) or now)[:limit]

    async def jobs_finished_before(self, cutoff: datetime, limit: int = 1000) -> list[JobView]:
        views = [JobView.model_validate_json(v) for v in self.log.views.values()]
        done = [(finished_at(v), v) for v in views if v.purged_at is None]
        old = sorted(((f, v) for f, v in done if f is not None and f < cutoff), key=lambda p: p[0])
        return [v for _, v in old[:limit]]
