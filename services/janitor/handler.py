"""Janitor: `deletion.requested` -> the job's blobs deleted -> `artifacts.purged`."""

from collections.abc import Sequence
from uuid import UUID

from libs.events.catalogue import ArtifactsPurged, DeletionRequested, Payload
from libs.events.runner_config import RunnerConfig
from libs.events.stage import Stage
from libs.events.work import WorkItem
from libs.storage.blob_store import BlobStore
from libs.storage.keys import job_prefix


class Janitor(Stage[DeletionRequested]):
    """Deletes every object under the job's prefix; the log keeps only keys and sizes."""

    name = "janitor"
    consumes = DeletionRequested
    # Deleting a job's objects: quick, and safe to repeat.
    runner_defaults = RunnerConfig(
        concurrency=4, ack_wait_s=30.0, max_deliver=10, backoff_base_s=5.0, handler_timeout_s=600.0
    )
    # A cancelled job's blobs are purged like any other's.
    skips_cancelled_jobs = False

    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    async def handle(self, request: DeletionRequested, work: WorkItem) -> Sequence[Payload]:
        # The request lists what the job's events named (the uploaded stems included:
        # retention covers the user's source audio); the job's prefix holds the rest.
        known = request.known or {}
        purged = await purge_job_blobs(self.blobs, work.job_id, list(known))
        # Known keys report their recorded size, so a retry after a partial purge reports
        # what a first attempt would; intermediate files (clips, transcripts) are added.
        extra = {k: v for k, v in purged.items() if k not in known}
        return [
            ArtifactsPurged(
                keys=sorted(known.keys() | extra.keys()),
                bytes=sum(known.values()) + sum(extra.values()),
            )
        ]


async def purge_job_blobs(blobs: BlobStore, job_id: UUID, also: list[str]) -> dict[str, int]:
    """Delete every object under the job's prefix and the `also` keys; key -> bytes freed."""
    keys = [obj.key for obj in await blobs.list(job_prefix(job_id))] + also
    return {key: await blobs.delete(key) for key in dict.fromkeys(keys)}
