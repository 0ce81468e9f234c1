"""The log port in memory, with the PostgreSQL log's semantics, for fast unit tests."""

import asyncio
import time
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from libs.events.commit import HandledKey
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.event_log import Precheck
from libs.events.job_view import JobView


@dataclass(slots=True)
class MemoryBatch:
    """What one batch saw and what it asks to keep."""

    views: Mapping[UUID, JobView]
    claimed: frozenset[HandledKey]
    last_position: int
    records: list[RecordedEvent] = field(default_factory=list)
    written: list[JobView] = field(default_factory=list)

    async def write(self, records: Sequence[RecordedEvent], views: Sequence[JobView]) -> None:
        """Keep `records` and `views` if the batch ends cleanly."""
        self.records.extend(records)
        self.written.extend(views)


class MemoryLog:
    """The log, views (as JSON, so readers get copies), outbox and handled keys in dicts."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.records: list[RecordedEvent] = []
        self.views: dict[UUID, str] = {}
        self.handled_at: dict[HandledKey, datetime] = {}
        # position -> monotonic time of the commit, while unpublished
        self.outbox: dict[int, float] = {}

    @asynccontextmanager
    async def batch(
        self, job_ids: Collection[UUID], keys: Collection[HandledKey]
    ) -> AsyncIterator[MemoryBatch]:
        async with self.lock:
            views = {
                j: JobView.model_validate_json(self.views[j]) for j in job_ids if j in self.views
            }
            claimed = frozenset(k for k in keys if k not in self.handled_at)
            batch = MemoryBatch(views, claimed, len(self.records))
            yield batch
            # Reached only on a clean exit: an error keeps nothing, like a rollback.
            now = utcnow()
            self.handled_at.update((k, now) for k in claimed)
            self.records.extend(batch.records)
            committed = time.monotonic()
            self.outbox.update((e.position, committed) for e in batch.records)
            self.views.update((v.job_id, v.model_dump_json()) for v in batch.written)

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        wanted = set(event_ids)
        cancelled_jobs = {e.job_id for e in self.records if e.type == "job.cancelled"}
        found = [e for e in self.records if e.event_id in wanted]
        return Precheck(
            committed=frozenset(e.event_id for e in found),
            cancelled=frozenset(e.event_id for e in found if e.job_id in cancelled_jobs),
            handled=frozenset(k for k in keys if k in self.handled_at),
        )

    async def forget_handled(self, before: datetime) -> int:
        old = [k for k, at in self.handled_at.items() if at < before]
        for k in old:
            del self.handled_at[k]
        return len(old)

    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        return [e for e in self.records if e.job_id == job_id]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return self.records[after : after + limit]
