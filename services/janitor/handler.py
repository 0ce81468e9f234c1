"""Janitor: `deletion.requested` -> the job's blobs deleted -> `artifacts.purged`."""

import asyncio
from collections.abc import Sequence
from uuid import UUID

from libs.events.catalogue import ArtifactsPurged, DeletionRequested, Payload
from libs.events.envelope import RecordedEvent
from libs.events.job_read_model import JobReadModel
from libs.events.stage import PermanentError, Stage
from libs.storage.blob_store import BlobStore
from libs.storage.keys import job_prefix


class Janitor(Stage):
    """Deletes every object under the job's prefix; the log keeps only keys and sizes."""

    name = "janitor"
    consumes = (DeletionRequested.type,)

    def __init__(self, blobs: BlobStore, views: JobReadModel) -> None:
        self.blobs = blobs
        self.views = views

    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        view = await self.views.load_view(event.job_id)
        if view is None:
            raise PermanentError(f"job {event.job_id} has no view")
        # The job's uploaded stems go too: retention covers the user's source audio.
        stems = {b.key: b.size for b in (view.voice.blob, view.background.blob)}
        purged = await asyncio.to_thread(purge_job_blobs, self.blobs, event.job_id, list(stems))
        # Known keys and sizes come from the view, so a retry after a partial purge reports
        # what a first attempt would; intermediate files (clips, transcripts) are added.
        known = {a.key: a.size for a in view.artifacts if a.purged_at is None} | stems
        extra = {k: v for k, v in purged.items() if k not in known}
        return [
            ArtifactsPurged(
                keys=sorted(known.keys() | extra.keys()),
                bytes=sum(known.values()) + sum(extra.values()),
            )
        ]


def purge_job_blobs(blobs: BlobStore, job_id: UUID, also: list[str]) -> dict[str, int]:
    """Delete every object under the job's prefix and the `also` keys; key -> bytes freed."""
    keys = [obj.key for obj in blobs.list(job_prefix(job_id))] + also
    return {key: blobs.delete(key) for key in keys}
