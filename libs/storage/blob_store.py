"""The object storage interface: Supabase Storage in production, a folder when embedded."""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from libs.events.catalogue import BlobRef


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An object listed by the store."""

    key: str
    size: int
    modified_at: datetime


class BlobStore(ABC):
    """Put, get and delete whole objects by key."""

    @abstractmethod
    def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        """Store a local file under `key` (atomically: readers never see half of it)."""

    def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        """Store a finished local file under `key` and consume it (a rename where the store
        can, so a rendered hour of audio is not copied again)."""
        ref = self.put_file(key, source, content_type)
        source.unlink(missing_ok=True)
        return ref

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        """Store bytes under `key`."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The object's content; `KeyError` if absent."""

    @abstractmethod
    def local_path(self, key: str) -> Path:
        """A local file with the object's content (fetched if the store is remote)."""

    @abstractmethod
    def delete(self, key: str) -> int:
        """Remove the object; returns the bytes freed (0 if it was not there)."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Objects whose key starts with `prefix`."""
