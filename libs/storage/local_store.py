"""The embedded blob store: a local folder, written atomically, hashed on the way in."""

import contextlib
import errno
import hashlib
import itertools
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from libs.events.catalogue import BlobRef
from libs.storage.blob_store import BlobStore, StoredObject

CHUNK = 1 << 20
# Names of in-progress files: unique per process without a syscall (uuid4 reads urandom).
_parts = itertools.count()
_pid = os.getpid()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


class InvalidKey(ValueError):
    """A key that would escape the store's folder."""


class LocalBlobStore(BlobStore):
    """Objects are files under `root`; keys are relative paths."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        # Plain strings on the hot paths: pathlib's parsing costs more than the syscalls
        # when the objects are small.
        self._root = str(self.root)

    def _fspath(self, key: str) -> str:
        # Lexical check (no filesystem calls): keys are relative, with no "..", ".", or "//".
        if not key or key[0] == "/" or any(p in ("", ".", "..") for p in key.split("/")):
            raise InvalidKey(f"invalid object key {key!r}")
        return f"{self._root}/{key}"

    def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        digest = hashlib.sha256()
        size = 0

        def copy(out: BinaryIO) -> None:
            nonlocal size
            with open(source, "rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)

        self._write_atomically(self._fspath(key), copy)
        return BlobRef(key=key, size=size, sha256=digest.hexdigest(), content_type=content_type)

    def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        dest = self._fspath(key)
        size, sha256 = _digest(os.fspath(source))
        try:
            _replace_making_dirs(os.fspath(source), dest)
        except OSError as exc:
            if exc.errno != errno.EXDEV:  # another filesystem: copy it instead
                raise
            return super().move_file(key, source, content_type)
        return BlobRef(key=key, size=size, sha256=sha256, content_type=content_type)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        dest = self._fspath(key)
        tmp, fd = _create_part(os.path.dirname(dest))
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return BlobRef(
            key=key,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_type=content_type,
        )

    def _write_atomically(self, dest: str, write: Callable[[BinaryIO], object]) -> None:
        # Write beside the destination, then rename: readers see all of it or none of it.
        tmp, fd = _create_part(os.path.dirname(dest))
        try:
            with open(fd, "wb") as out:
                write(out)
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def read_bytes(self, key: str) -> bytes:
        path = self._fspath(key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise KeyError(key) from None
        try:
            chunks = []
            while chunk := os.read(fd, CHUNK):
                chunks.append(chunk)
        except IsADirectoryError:
            raise KeyError(key) from None
        finally:
            os.close(fd)
        return b"".join(chunks)

    def local_path(self, key: str) -> Path:
        path = self._fspath(key)
        if not os.path.isfile(path):
            raise KeyError(key)
        return Path(path)

    def delete(self, key: str) -> int:
        path = self._fspath(key)
        try:
            size = os.stat(path).st_size
            os.unlink(path)
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


def _create_part(directory: str) -> tuple[str, int]:
    """A new, exclusively created in-progress file in `directory` (made if missing), as
    its path and an open descriptor (plain `os` calls: `open()` adds four syscalls)."""
    made = False
    while True:
        tmp = f"{directory}/.part-{_pid}-{next(_parts)}"
        try:
            return tmp, os.open(tmp, _CREATE, 0o666)
        except FileExistsError:  # left by a dead process that had our pid: next name
            continue
        except FileNotFoundError:
            if made:
                raise
            os.makedirs(directory, exist_ok=True)
            made = True


def _digest(path: str) -> tuple[int, str]:
    """Size and sha256 of a local file."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return size, digest.hexdigest()


def _replace_making_dirs(source: str, dest: str) -> None:
    try:
        os.replace(source, dest)
    except FileNotFoundError:
        if not os.path.exists(source):
            raise
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.replace(source, dest)
