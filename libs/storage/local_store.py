"""The embedded blob store: a local folder, written atomically, hashed on the way in."""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from libs.events.catalogue import BlobRef
from libs.storage.blob_store import BlobStore, StoredObject

CHUNK = 1 << 20


class InvalidKey(ValueError):
    """A key that would escape the store's folder."""


class LocalBlobStore(BlobStore):
    """Objects are files under `root`; keys are relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not key or self.root not in path.parents:
            raise InvalidKey(f"invalid object key {key!r}")
        return path

    def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        digest = hashlib.sha256()
        with source.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
        return BlobRef(
            key=key, size=dest.stat().st_size, sha256=digest.hexdigest(), content_type=content_type
        )

    def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
        return BlobRef(
            key=key,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=content_type,
        )

    def read_bytes(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.read_bytes()

    def local_path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path

    def delete(self, key: str) -> int:
        path = self._path(key)
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return 0
        return size

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith(".part-"):
                continue
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                st = path.stat()
                yield StoredObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))
