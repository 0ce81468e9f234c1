"""Blob access for async handlers: small objects on the event loop, large ones off it."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from libs.events.catalogue import BlobRef
from libs.storage.blob_store import BlobStore

# A hop to a worker thread and back costs ~150 us of CPU on the build VMs (two thread
# switches and a self-pipe wake-up), more than reading or writing a few hundred KiB; a big
# object still goes to a thread so it cannot stall the loop (heartbeats, other handlers).
INLINE_BYTES = 256 * 1024
T = TypeVar("T")


class AsyncBlobs:
    """A `BlobStore` seen from a coroutine; `inline_bytes` decides where the work runs."""

    def __init__(self, store: BlobStore, inline_bytes: int = INLINE_BYTES) -> None:
        self.store = store
        self.inline_bytes = inline_bytes

    async def _run(self, size: int, work: Callable[[], T]) -> T:
        if size <= self.inline_bytes:
            return work()
        return await asyncio.to_thread(work)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        """Store bytes under `key`."""
        return await self._run(len(data), lambda: self.store.put_bytes(key, data, content_type))

    async def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        """Store a finished local file under `key`, consuming it."""
        size = source.stat().st_size
        return await self._run(size, lambda: self.store.move_file(key, source, content_type))

    async def read_bytes(self, ref: BlobRef) -> bytes:
        """The content of the object `ref` names; `KeyError` if it is gone."""
        return await self._run(ref.size, lambda: self.store.read_bytes(ref.key))

    async def local_path(self, ref: BlobRef) -> Path:
        """A local file with the object's content; `KeyError` if it is gone."""
        return await self._run(ref.size, lambda: self.store.local_path(ref.key))
