"""An in-memory event store with the PostgreSQL store's semantics, for fast unit tests."""

import asyncio
import itertools
import time
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from libs.events.commit import Commit, HandledKey, plan_commits
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.job_view import JobView, past_retention
from libs.events.store import EventStore


class MemoryEventStore(EventStore):
    """Keeps the log, views, outbox and handled markers in dicts and lists."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._log: list[RecordedEvent] = []
        self._views: dict[UUID, str] = {}
        self._handled: set[HandledKey] = set()
        self._outbox: dict[int, float] = {}

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        async with self._lock:
            duplicate: list[bool] = []
            claimed: set[HandledKey] = set()
            for c in commits:
                dup = c.handled is not None and (c.handled in self._handled or c.handled in claimed)
                duplicate.append(dup)
                if c.handled is not None:
                    claimed.add(c.handled)
            views = {
                j: JobView.model_validate_json(v)
                for j, v in self._views.items()
                if any(c.job_id == j for c in commits)
            }
            positions = itertools.count(len(self._log) + 1)
            # Planning raises before anything is kept, as a rolled-back transaction would.
            plan = plan_commits(commits, views, duplicate, positions, utcnow())
            self._handled |= claimed
            self._log.extend(plan.records)
            now = time.monotonic()
            self._outbox.update((e.position, now) for e in plan.records)
            for job_id in {e.job_id for e in plan.records}:
                self._views[job_id] = plan.views[job_id].model_dump_json()
            return plan.per_commit

    async def handled(self, keys: Sequence[HandledKey]) -> set[HandledKey]:
        return {k for k in keys if k in self._handled}

    async def committed(self, event_ids: Sequence[UUID]) -> set[UUID]:
        wanted = set(event_ids)
        return {e.event_id for e in self._log if e.event_id in wanted}

    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        return [e for e in self._log if e.job_id == job_id]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        return self._log[after : after + limit]

    async def load_view(self, job_id: UUID) -> JobView | None:
        raw = self._views.get(job_id)
        return JobView.model_validate_json(raw) if raw else None

    async def load_views(self, job_ids: Sequence[UUID]) -> dict[UUID, JobView]:
        return {j: JobView.model_validate_json(self._views[j]) for j in job_ids if j in self._views}

    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        views = [JobView.model_validate_json(v) for v in self._views.values()]
        due = [v for v in views if past_retention(v, now)]
        return sorted(due, key=lambda v: v.completed_at or v.failed_at or now)[:limit]

    async def unpublished(self, older_than_s: float, limit: int = 500) -> list[RecordedEvent]:
        cutoff = time.monotonic() - older_than_s
        due = sorted(p for p, t in self._outbox.items() if t <= cutoff)[:limit]
        return [self._log[p - 1] for p in due]

    async def mark_published(self, positions: Sequence[int]) -> None:
        for p in positions:
            self._outbox.pop(p, None)
