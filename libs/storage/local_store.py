"""The embedded blob store: a local folder, written atomically, hashed on the way in."""

import asyncio
import contextlib
import errno
import hashlib
import itertools
import os
import stat
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from libs.events.catalogue import BlobRef
from libs.events.outage import Outage
from libs.storage.blob_store import BlobStore, HttpMethod, SignedUrl, StoredObject
from libs.storage.signed_urls import sign
from libs.storage.valid_keys import check_key, check_prefix

# Objects up to this size are read, written and hashed on the event loop: for them a hop to
# a worker thread and back (two thread switches and a wake-up of the loop) costs more than
# the file work. Larger ones go to a thread, so a slow disk cannot stall heartbeats and the
# other handlers of the process.
INLINE_BYTES = 256 * 1024
CHUNK = 1 << 20
# Stored files are read-only: `open_local` hands out the file itself, and a blob named by a
# committed event is never rewritten in place (replacing it is a rename, which the mode
# does not prevent).
_MODE = 0o444
_PART = ".part-"
# Names of in-progress files: unique per process without a syscall (uuid4 reads urandom).
_parts = itertools.count()
_pid = os.getpid()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
# Written in the root when the store is first opened. Without it the folder is not the store
# (unmounted, moved away, unreadable): an outage to wait out, not objects gone for good, which
# would fail the jobs that read them and let the janitor record purges it never made.
MARKER = ".redub-blob-store"
T = TypeVar("T")


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


class _Stopped(Exception):
    """The coroutine that asked for the write was cancelled: do not publish it."""


class _Work:
    """A cancellation flag the copying code polls between chunks."""

    def __init__(self) -> None:
        self.stopped = threading.Event()

    def check(self) -> None:
        if self.stopped.is_set():
            raise _Stopped


# Work done on the event loop cannot be cancelled halfway: its flag is never raised.
_INLINE = _Work()


class LocalBlobStore(BlobStore):
    """Objects are files under `root`; keys are relative paths; URLs are signed with
    `secret` and point under `base_url` (see `libs.storage.signed_urls.verify`); with no secret
    the store works but signs nothing."""

    serves_local_files = True

    def __init__(self, root: Path, *, secret: bytes | None, base_url: str) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.secret = secret
        self.base_url = base_url
        # Plain strings on the hot paths: pathlib's parsing costs more than the syscalls
        # when the objects are small.
        self._root = str(self.root)
        self._marker = f"{self._root}/{MARKER}"
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self._marker, _CREATE, 0o444))

    def _reachable(self) -> None:
        """Raise `Outage` unless the root is the store's (one stat)."""
        if not os.path.isfile(self._marker):
            raise Outage("the local blob store's folder is unreachable (unmounted or moved?)")

    def _fspath(self, key: str) -> str:
        return f"{self._root}/{check_key(key)}"

    async def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        dest, src = self._fspath(key), os.fspath(source)
        self._reachable()
        size, sha256 = await _off_loop(lambda work: _store_copy(src, dest, work))
        return BlobRef(key=key, size=size, sha256=sha256, content_type=content_type)

    async def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        dest, src = self._fspath(key), os.fspath(source)
        self._reachable()
        if os.stat(src).st_size <= INLINE_BYTES:
            size, sha256 = _store_rename(src, dest, _INLINE)
        else:
            size, sha256 = await _off_loop(lambda work: _store_rename(src, dest, work))
        return BlobRef(key=key, size=size, sha256=sha256, content_type=content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        dest = self._fspath(key)
        self._reachable()
        if len(data) <= INLINE_BYTES:
            sha256 = _store_bytes(data, dest, _INLINE)
        else:
            sha256 = await _off_loop(lambda work: _store_bytes(data, dest, work))
        return BlobRef(key=key, size=len(data), sha256=sha256, content_type=content_type)

    async def read_bytes(self, key: str) -> bytes:
        path = self._fspath(key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except (FileNotFoundError, NotADirectoryError):
            self._reachable()
            raise KeyError(key) from None
        except OSError as exc:  # unreadable (permissions, I/O): the store's fault, not the key's
            raise Outage(f"the local blob store cannot read {key}: {exc.strerror}") from exc
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise KeyError(key)
        except BaseException:
            os.close(fd)
            raise
        if st.st_size <= INLINE_BYTES:
            return _read_and_close(fd)
        # The thread owns the descriptor: a cancelled caller must not close it under a read.
        return await asyncio.to_thread(_read_and_close, fd)

    @contextlib.asynccontextmanager
    async def open_local(self, key: str) -> AsyncIterator[Path]:
        # The stored file itself, read-only: nothing to copy, nothing to clean up.
        path = self._fspath(key)
        if not os.path.isfile(path):
            self._reachable()
            raise KeyError(key)
        yield Path(path)

    async def delete(self, key: str) -> int:
        path = self._fspath(key)
        self._reachable()  # else a purge would be recorded for a file still on the real disk
        return await asyncio.to_thread(_delete, path)

    async def signed_url(self, key: str, expires_in_s: int, method: HttpMethod = "GET") -> str:
        return self._sign(key, expires_in_s, method).url

    async def signed_upload_url(self, key: str, expires_in_s: int) -> SignedUrl:
        return self._sign(key, expires_in_s, "PUT")

    def _sign(self, key: str, expires_in_s: int, method: HttpMethod) -> SignedUrl:
        if expires_in_s <= 0:
            raise ValueError(f"expires_in_s must be positive, not {expires_in_s}")
        if not self.secret:
            raise RuntimeError("this blob store has no URL-signing secret (REDUB_BLOB_URL_SECRET)")
        expires_at = int(time.time()) + expires_in_s
        url = sign(self.base_url, self.secret, check_key(key), method, expires_at)
        return SignedUrl(url, expires_at)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        # Walk only the prefix's folder ("jobs/j/" walks jobs/j, "jobs/j" walks jobs).
        folder = check_prefix(prefix).rpartition("/")[0]
        self._reachable()
        found = await asyncio.to_thread(_walk, self._root, folder, prefix)
        return sorted(found, key=lambda o: o.key)


async def _off_loop(job: Callable[[_Work], T]) -> T:
    """Run `job` in a worker thread; if the caller is cancelled, tell the job to stop and
    wait until it has, so a cancelled write never appears later."""
    work = _Work()
    task = asyncio.ensure_future(asyncio.to_thread(job, work))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        work.stopped.set()
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what the caller hears about
        raise


def _store_copy(source: str, dest: str, work: _Work) -> tuple[int, str]:
    """Copy `source` into the store at `dest` in chunks, hashing it; size and sha256."""
    digest = hashlib.sha256()
    size = 0
    # Open the source first: a missing one must not leave an in-progress file behind.
    with open(source, "rb") as src:
        tmp, fd = _create_part(os.path.dirname(dest))
        try:
            with open(fd, "wb") as out:
                while chunk := src.read(CHUNK):
                    work.check()
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            work.check()
            os.replace(tmp, dest)
        except BaseException:
            _discard(tmp)
            raise
    return size, digest.hexdigest()


def _store_rename(source: str, dest: str, work: _Work) -> tuple[int, str]:
    """Hash `source` and rename it to `dest` (a copy across filesystems); size and sha256."""
    size, sha256 = _digest(source, work)
    work.check()
    os.chmod(source, _MODE)
    try:
        _replace_making_dirs(source, dest)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # another filesystem: copy it instead
            raise
        size, sha256 = _store_copy(source, dest, work)
        os.unlink(source)
    return size, sha256


def _store_bytes(data: bytes, dest: str, work: _Work) -> str:
    """Write `data` to `dest` through an in-progress file; its sha256."""
    tmp, fd = _create_part(os.path.dirname(dest))
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view[:CHUNK]) :]
                work.check()
        finally:
            os.close(fd)
        os.replace(tmp, dest)
    except BaseException:
        _discard(tmp)
        raise
    return hashlib.sha256(data).hexdigest()


def _read_and_close(fd: int) -> bytes:
    try:
        chunks = []
        while chunk := os.read(fd, CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _delete(path: str) -> int:
    try:
        size = os.stat(path).st_size
        os.unlink(path)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    except IsADirectoryError:  # a folder of keys is not an object
        return 0
    return size


def _walk(root: str, folder: str, prefix: str) -> list[StoredObject]:
    """Stored files under `root/folder` whose keys start with `prefix`."""
    found: list[StoredObject] = []
    pending = [folder]
    while pending:
        rel = pending.pop()
        try:
            entries = os.scandir(f"{root}/{rel}" if rel else root)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                key = f"{rel}/{entry.name}" if rel else entry.name
                if not key.startswith(prefix):  # a sibling of the prefix's last part
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(key)
                elif (
                    entry.is_file(follow_symlinks=False)
                    and not entry.name.startswith(_PART)
                    and key != MARKER
                ):
                    st = entry.stat(follow_symlinks=False)
                    modified = datetime.fromtimestamp(st.st_mtime, UTC)
                    found.append(StoredObject(key, st.st_size, modified))
    return found


def _create_part(directory: str) -> tuple[str, int]:
    """A new, exclusively created in-progress file in `directory` (made if missing), as
    its path and an open descriptor (plain `os` calls: `open()` adds four syscalls)."""
    made = False
    while True:
        tmp = f"{directory}/{_PART}{_pid}-{next(_parts)}"
        try:
            # Created read-only; the descriptor returned is still open for writing.
            return tmp, os.open(tmp, _CREATE, _MODE)
        except FileExistsError:  # left by a dead process that had our pid: next name
            continue
        except FileNotFoundError:
            if made:
                raise
            os.makedirs(directory, exist_ok=True)
            made = True


def _discard(tmp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)


def _digest(path: str, work: _Work) -> tuple[int, str]:
    """Size and sha256 of a local file."""
    digest = hashlib.sha256()
    size = 0
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        while chunk := os.read(fd, CHUNK):
            work.check()
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
