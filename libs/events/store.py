"""The event store: the log, its outbox and the job read model behind one object.

A facade for callers that need several of them (stage runner, gateway); each port stays
narrow, and the job's rules run in `JobLog`, not in an adapter.
"""

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from uuid import UUID

from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.event_log import EventLog, Precheck
from libs.events.job_log import JobLog
from libs.events.job_read_model import JobReadModel
from libs.events.job_view import JobView
from libs.events.outbox import Outbox


async def _nothing_to_close() -> None:
    return None


class EventStore:
    """One backend's log, outbox and read model, with the application-level append."""

    def __init__(
        self,
        log: EventLog,
        outbox: Outbox,
        views: JobReadModel,
        on_close: Callable[[], Awaitable[None]] = _nothing_to_close,
    ) -> None:
        self.log = log
        self.outbox = outbox
        self.views = views
        self.jobs = JobLog(log)
        self._on_close = on_close

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        """`JobLog.append`: all commits in one transaction; a handled one yields None."""
        return await self.jobs.append(commits)

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        """`EventLog.precheck`: which events are in the log, which keys were handled."""
        return await self.log.precheck(event_ids, keys)

    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        """Every event of one job, in `seq` order."""
        return await self.log.read_stream(job_id)

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events in global order after a position."""
        return await self.log.read_all(after, limit)

    async def load_view(self, job_id: UUID) -> JobView | None:
        """The current progress view of a job, if the job exists."""
        return await self.views.load_view(job_id)

    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        """Views of jobs past retention at `now`."""
        return await self.views.jobs_past_retention(now, limit)

    def claim(
        self, older_than_s: float, limit: int = 500
    ) -> AbstractAsyncContextManager[list[RecordedEvent]]:
        """`Outbox.claim` (the store is an `Outbox` for the relay functions)."""
        return self.outbox.claim(older_than_s, limit)

    async def mark_published(self, positions: Sequence[int]) -> None:
        """`Outbox.mark_published`."""
        await self.outbox.mark_published(positions)

    async def close(self) -> None:
        """Release connections."""
        await self._on_close()
