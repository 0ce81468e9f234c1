"""Which uploaded stems a purge may delete: a stem several jobs name goes with the last one.

A job's purge deletes its stems only when no other job that is not purged yet names them
(the other jobs may still be running, or need them until their own retention ends). A
stem kept this way is deleted by the purge of the last job naming it, or, should two
purges race and each see the other's job still live, by the janitor's upload pass.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class StaleUpload:
    """An upload due for deletion: never used and old, or every job naming it purged."""

    upload_id: UUID
    key: str
    size: int
    created_at: datetime
    used: bool


Delete = Callable[[str], Awaitable[int]]


class StemLedger(Protocol):
    """What the janitor knows of uploads: who names them, and which were purged."""

    async def needed_elsewhere(self, job_id: UUID, keys: Sequence[str]) -> set[str]:
        """Of the stems `keys` of `job_id`, those another unpurged job names (read only)."""
        ...

    async def release(self, job_id: UUID, keys: Sequence[str]) -> set[str]:
        """Of the stems `keys` of `job_id`, those no other unpurged job names (marked
        purged, so the gateway refuses them for a new job); the rest stay."""
        ...

    async def stale(self, unused_before: datetime, limit: int = 500) -> list[StaleUpload]:
        """Unpurged uploads no unpurged job names that were created before
        `unused_before`, or that a purged job named."""
        ...

    async def purge_stale(
        self, unused_before: datetime, delete: Delete, limit: int = 500
    ) -> list[StaleUpload]:
        """`delete` the blob of each `stale` upload and mark it purged, holding it meanwhile
        so another janitor skips it; the uploads this call purged."""
        ...
