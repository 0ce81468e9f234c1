"""The stem ledger in memory, over a `MemoryLog`'s views, for fast unit tests."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from libs.events.job_view import JobView
from libs.events.memory_log import MemoryLog
from services.janitor.stem_ledger import Delete, StaleUpload


@dataclass(slots=True)
class MemoryUpload:
    """An upload row."""

    upload_id: UUID
    key: str
    size: int
    created_at: datetime
    purged_at: datetime | None = None


class MemoryStemLedger:
    """`StemLedger` over uploads in a dict and the views a `MemoryLog` holds."""

    def __init__(self, log: MemoryLog) -> None:
        self.log = log
        self.uploads: dict[UUID, MemoryUpload] = {}

    def _views(self) -> list[JobView]:
        return [JobView.model_validate_json(v) for v in self.log.views.values()]

    def _named(self, key: str, exclude: UUID | None = None, live_only: bool = True) -> bool:
        return any(
            key in (v.voice.blob.key, v.background.blob.key)
            for v in self._views()
            if v.job_id != exclude and (v.purged_at is None or not live_only)
        )

    async def needed_elsewhere(self, job_id: UUID, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if self._named(k, exclude=job_id)}

    async def release(self, job_id: UUID, keys: Sequence[str]) -> set[str]:
        free = {k for k in keys if not self._named(k, exclude=job_id)}
        for u in self.uploads.values():
            if u.key in free and u.purged_at is None:
                u.purged_at = datetime.now().astimezone()
        return free

    async def stale(self, unused_before: datetime, limit: int = 500) -> list[StaleUpload]:
        out = []
        for u in sorted(self.uploads.values(), key=lambda u: u.created_at):
            used = self._named(u.key, live_only=False)
            if u.purged_at is None and not self._named(u.key):
                if u.created_at < unused_before or used:
                    out.append(StaleUpload(u.upload_id, u.key, u.size, u.created_at, used))
        return out[:limit]

    async def purge_stale(
        self, unused_before: datetime, delete: Delete, limit: int = 500
    ) -> list[StaleUpload]:
        due = await self.stale(unused_before, limit)
        for s in due:
            await delete(s.key)
            self.uploads[s.upload_id].purged_at = datetime.now().astimezone()
        return due
