"""The job read model port: the progress views the gateway and the janitor read."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from libs.events.job_view import JobView


class JobReadModel(Protocol):
    """Job views, as the log's appends left them."""

    async def load_view(self, job_id: UUID) -> JobView | None:
        """The current progress view of a job, if the job exists."""
        ...

    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        """Views of jobs `past_retention` at `now`, the longest due first."""
        ...

    async def jobs_finished_before(self, cutoff: datetime, limit: int = 1000) -> list[JobView]:
        """Views of unpurged jobs that finished before `cutoff`, whatever their retention
        (an operator's `redub janitor purge --older-than`), the oldest first."""
        ...
