"""Blobs of one attempt at a work item: written under its own prefix, removed when no event
will ever name them (the attempt failed, or another worker's output was committed)."""

from libs.events.work import WorkItem
from libs.storage.blob_store import BlobStore
from libs.storage.keys import attempt_prefix


class AttemptBlobs:
    """Keys for one attempt's outputs, and their removal."""

    def __init__(self, blobs: BlobStore, stage: str, work: WorkItem) -> None:
        self.blobs = blobs
        self.prefix = attempt_prefix(work.job_id, stage, work.token)

    def key(self, name: str) -> str:
        """The key of `name` (e.g. "fr/mix.wav") among this attempt's outputs."""
        return self.prefix + name

    async def discard(self) -> int:
        """Delete everything this attempt wrote; the bytes freed."""
        freed = 0
        for obj in await self.blobs.list(self.prefix):
            freed += await self.blobs.delete(obj.key)
        return freed
