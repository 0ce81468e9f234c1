"""Results kept by content key under the job's prefix (purged with the job), write-once.

An entry is `jobs/<job>/cache/<kind>/<key>/<writer>.<ext>`: each writer (an attempt's token)
writes its own object and nothing is ever rewritten, so two workers racing on the same
result both keep committed-blob immutability; readers take the first complete one by key
order, so every reader sees the same entry.

An entry whose write met an outage of our storage is kept by the process (`Unstored`), so the
try the runner makes once the store is back finds it without paying for it again.
"""

import json
from uuid import UUID

from libs.events.catalogue import BlobRef
from libs.events.outage import is_our_outage
from libs.storage.blob_store import BlobStore
from libs.storage.keys import job_prefix
from libs.storage.unstored import Unstored


def cache_prefix(job_id: UUID, kind: str, key: str) -> str:
    """The folder holding every writer's copy of one entry."""
    return f"{job_prefix(job_id)}cache/{kind}/{key}/"


class JobResultCache:
    """A `ResultCache` for one job, on a blob store; `writer` names this attempt's copies;
    `unstored` (the stage's, for the life of the process) keeps entries the store refused
    during an outage."""

    def __init__(
        self,
        blobs: BlobStore,
        job_id: UUID,
        writer: str,
        unstored: Unstored[bytes] | None = None,
    ) -> None:
        self.blobs = blobs
        self.job_id = job_id
        self.writer = writer
        self.unstored = unstored
        self.hits = 0
        self.misses = 0

    async def first_key(self, kind: str, key: str, suffix: str) -> str | None:
        """The key of the entry's first complete copy ending in `suffix`, or None."""
        found = await self.blobs.list(cache_prefix(self.job_id, kind, key))
        keys = sorted(obj.key for obj in found if obj.key.endswith(suffix))
        return keys[0] if keys else None

    def new_key(self, kind: str, key: str, suffix: str) -> str:
        """Where this writer puts its copy of an entry."""
        return f"{cache_prefix(self.job_id, kind, key)}{self.writer}{suffix}"

    async def load(self, kind: str, key: str) -> bytes | None:
        unstored, entry = self.unstored, self._entry(kind, key)
        if unstored is not None and (kept := unstored.take(entry)) is not None:
            # Paid by an earlier try while the store was down.
            self.hits += 1
            try:
                await self.store(kind, key, kept)  # for other processes; kept again if down
            except Exception as exc:
                if not is_our_outage(exc):
                    unstored.keep(entry, kept)
                    raise
            return kept
        found = await self.first_key(kind, key, ".json")
        if found is None:
            self.misses += 1
            return None
        try:
            data = await self.blobs.read_bytes(found)
        except KeyError:  # purged between listing and reading
            self.misses += 1
            return None
        self.hits += 1
        return data

    async def store(self, kind: str, key: str, data: bytes) -> None:
        try:
            await self.blobs.put_bytes(self.new_key(kind, key, ".json"), data, "application/json")
        except Exception as exc:
            if self.unstored is not None and is_our_outage(exc):
                self.unstored.keep(self._entry(kind, key), data)
            raise

    def _entry(self, kind: str, key: str) -> str:
        return cache_prefix(self.job_id, kind, key)

    async def store_ref(self, kind: str, key: str, ref: BlobRef, extra: dict[str, object]) -> None:
        """Record a stored object (e.g. a clip) as the entry, with facts about it."""
        document = {"blob": ref.model_dump(mode="json"), **extra}
        await self.store(kind, key, json.dumps(document, sort_keys=True).encode())
