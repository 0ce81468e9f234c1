"""The object storage port: Supabase Storage in production, a folder when embedded."""

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from libs.events.catalogue import BlobRef

HttpMethod = Literal["GET", "PUT"]


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object listed by the store."""

    key: str
    size: int
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class SignedUrl:
    """A signed URL and when it stops working (Unix seconds), as the store that signed it says."""

    url: str
    expires_at: float


class BlobStore(ABC):
    """Whole objects by key, from coroutines; every key is checked by `check_key`.

    Writes are atomic: a reader sees all of an object or none of it, also when a write
    fails or is cancelled halfway.
    """

    # Whether `open_local` is free (the store is a folder here): the gateway then serves the
    # file itself rather than redirecting to the store's signed URL.
    serves_local_files: bool = False

    @abstractmethod
    async def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        """Store a local file under `key`, streaming it (read as it is sent, never whole)."""

    async def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        """Store a finished local file under `key` and consume it (a rename where the store
        can, so a rendered hour of audio is not copied again)."""
        ref = await self.put_file(key, source, content_type)
        source.unlink(missing_ok=True)
        return ref

    @abstractmethod
    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        """Store bytes under `key`."""

    @abstractmethod
    async def read_bytes(self, key: str) -> bytes:
        """A small object's content (documents such as a transcript); `KeyError` if absent."""

    @abstractmethod
    def open_local(self, key: str) -> AbstractAsyncContextManager[Path]:
        """A local file with the object's content for the `async with` block; read it, never
        write it. A remote store downloads a copy and removes it on exit. `KeyError` if absent."""

    def open_ref(self, ref: BlobRef) -> AbstractAsyncContextManager[Path]:
        """`open_local` of the blob a committed event names; a store that fetches it from
        elsewhere checks the copy against `ref`'s size and sha256."""
        return self.open_local(ref.key)

    async def read_ref(self, ref: BlobRef) -> bytes:
        """`read_bytes` of the blob a committed event names (checked as `open_ref` does)."""
        return await self.read_bytes(ref.key)

    @abstractmethod
    async def delete(self, key: str) -> int:
        """Remove the object; returns the bytes freed (0 if it was not there)."""

    @abstractmethod
    async def list(self, prefix: str = "") -> list[StoredObject]:
        """Objects whose key starts with `prefix`, sorted by key."""

    @abstractmethod
    async def signed_url(self, key: str, expires_in_s: int, method: HttpMethod = "GET") -> str:
        """A URL that lets its holder `method` the object for `expires_in_s` seconds (a PUT
        URL may live longer where the store fixes its life: `signed_upload_url` says)."""

    @abstractmethod
    async def signed_upload_url(self, key: str, expires_in_s: int) -> SignedUrl:
        """A URL to PUT the object to once, and until when it truly works: `expires_in_s`
        from now, or what the store fixes itself (Supabase Storage does)."""

    async def close(self) -> None:  # noqa: B027 (a store with nothing open need not override it)
        """Release what the store holds open (a remote store's connections); once, at exit."""
