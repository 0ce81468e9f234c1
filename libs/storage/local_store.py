"""The embedded blob store: a local folder, written atomically, hashed on the way in."""

import errno
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

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
        # Lexical check (no filesystem calls): keys are relative, with no "..", ".", or "//".
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise InvalidKey(f"invalid object key {key!r}")
        return self.root.joinpath(*parts)

    def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        digest = hashlib.sha256()
        size = 0

        def copy(out: BinaryIO) -> None:
            nonlocal size
            with source.open("rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)

        self._write_atomically(self._path(key), copy)
        return BlobRef(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        dest = self._path(key)
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        try:
            self._rename_into(source, dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:  # another filesystem: copy it instead
                raise
            return super().move_file(key, source, content_type)
        return BlobRef(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    @staticmethod
    def _rename_into(source: Path, dest: Path) -> None:
        try:
            os.replace(source, dest)
        except FileNotFoundError:
            if not source.exists():
                raise
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, dest)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        self._write_atomically(self._path(key), lambda out: out.write(data))
        return BlobRef(
            key=key,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=content_type,
        )

    def _write_atomically(self, dest: Path, write: Callable[[BinaryIO], object]) -> None:
        # Write beside the destination, then rename: readers see all of it or none of it.
        tmp = dest.with_name(f".part-{uuid.uuid4().hex}")
        try:
            out = tmp.open("xb")
        except FileNotFoundError:
            dest.parent.mkdir(parents=True, exist_ok=True)
            out = tmp.open("xb")
        try:
            with out:
                write(out)
            os.replace(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

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
