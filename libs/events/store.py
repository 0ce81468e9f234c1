"""The event store interface every backend implements (PostgreSQL, in-memory)."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from libs.events.commit import Commit, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.job_view import JobView


class EventStore(ABC):
    """Append-only job streams with idempotent appends, inline views and an outbox."""

    @abstractmethod
    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        """Append all commits in one transaction; a commit already handled yields None."""

    @abstractmethod
    async def handled(self, keys: Sequence[HandledKey]) -> set[HandledKey]:
        """Which of these keys were handled already (a cheap pre-check before work)."""

    @abstractmethod
    async def committed(self, event_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these events are in the log (a message naming another is not ours)."""

    @abstractmethod
    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        """Every event of one job, in `seq` order."""

    @abstractmethod
    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events in global order after a position."""

    @abstractmethod
    async def load_view(self, job_id: UUID) -> JobView | None:
        """The current progress view of a job, if the job exists."""

    @abstractmethod
    async def load_views(self, job_ids: Sequence[UUID]) -> dict[UUID, JobView]:
        """The views of those jobs that exist, in one read (a batch's worth of jobs)."""

    @abstractmethod
    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        """Views of finished jobs whose retention ended by `now`, not yet up for deletion."""

    @abstractmethod
    async def unpublished(self, older_than_s: float, limit: int = 500) -> list[RecordedEvent]:
        """Committed events still in the outbox (their publisher may have died)."""

    @abstractmethod
    async def mark_published(self, positions: Sequence[int]) -> None:
        """Drop events from the outbox once the bus confirmed them."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
