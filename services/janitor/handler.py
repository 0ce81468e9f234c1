"""Janitor: `deletion.requested` -> the job's blobs deleted -> `artifacts.purged`."""

import asyncio
from collections.abc import Sequence
from uuid import UUID

from libs.events.catalogue import ArtifactsPurged, DeletionRequested, Payload
from libs.events.envelope import RecordedEvent
from libs.events.stage import PermanentError, Stage
from libs.events.store import EventStore
from libs.storage.blob_store import BlobStore
from libs.storage.keys import job_prefix


class Janitor(Stage):
    """Deletes every object under the job's prefix; the log keeps only keys and sizes."""

    name = "janitor"
    consumes = (DeletionRequested.type,)

    def __init__(self, blobs: BlobStore, store: EventStore) -> None:
        self.blobs = blobs
        self.store = store

    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        view = await self.store.load_view(event.job_id)
        if view is None:
            raise PermanentError(f"job {event.job_id} has no view")
        purged = await asyncio.to_thread(purge_job_blobs, self.blobs, event.job_id)
        # Keys and sizes come from the view, not from what this attempt found: a retry
        # after a partial purge reports the same thing as a first attempt would.
        keys = sorted({a.key for a in view.artifacts if a.purged_at is None} | set(purged))
        size = sum(a.size for a in view.artifacts if a.purged_at is None)
        return [ArtifactsPurged(keys=keys, bytes=max(size, sum(purged.values())))]


def purge_job_blobs(blobs: BlobStore, job_id: UUID) -> dict[str, int]:
    """Delete every object under the job's prefix; returns key -> bytes freed."""
    prefix = job_prefix(job_id)
    return {obj.key: blobs.delete(obj.key) for obj in list(blobs.list(prefix))}
