"""The blob contract on the local folder, plus what only a folder on this machine shows."""

import asyncio
import errno
import hashlib
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from libs.events.outage import Outage
from libs.storage import local_store
from libs.storage.local_store import LocalBlobStore
from libs.storage.scratch import scratch_files
from libs.storage.signed_urls import RefusedUrl, verify
from tests.support.blob_contract import BlobContract, FetchSigned, pipe_source

SECRET = b"test-secret"
BASE_URL = "http://blobs.test/v1/blobs"


def local(root: Path) -> LocalBlobStore:
    return LocalBlobStore(root, secret=SECRET, base_url=BASE_URL)


def files_under(root: Path) -> list[Path]:
    """The files under `root` but the store's own marker."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != local_store.MARKER)


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return local(tmp_path / "blobs")


@pytest.fixture
def fetch_signed(store: LocalBlobStore) -> FetchSigned:
    async def fetch(url: str, after_s: float) -> bytes:
        key = verify(url, SECRET, BASE_URL, "GET", now=time.time() + after_s)
        return await store.read_bytes(key)

    return fetch


class TestLocalStore(BlobContract):
    open_local_copies = False


async def test_open_local_hands_out_the_stored_file_read_only(store: LocalBlobStore) -> None:
    await store.put_bytes("jobs/j/a.wav", b"a", "audio/wav")
    async with store.open_local("jobs/j/a.wav") as path:
        assert path == store.root / "jobs/j/a.wav"
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0


async def test_moved_files_are_read_only_too(store: LocalBlobStore, tmp_path: Path) -> None:
    source = tmp_path / "a.wav"
    source.write_bytes(b"a")
    await store.move_file("jobs/j/a.wav", source, "audio/wav")
    assert stat.S_IMODE((store.root / "jobs/j/a.wav").stat().st_mode) & 0o222 == 0


async def test_failed_and_cancelled_puts_leave_no_file_behind(
    store: LocalBlobStore, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        await store.put_file("a/b.wav", tmp_path / "missing.wav", "audio/wav")
    async with pipe_source(tmp_path) as pipe:
        put = asyncio.create_task(store.put_file("a/c.wav", pipe.path, "audio/wav"))
        await pipe.open()
        pipe.write(b"half")
        await asyncio.sleep(0.05)
        assert [p.name.startswith(".part-") for p in files_under(store.root)] == [True]
        put.cancel()
        await asyncio.sleep(0.05)  # the cancellation reaches the put before its source ends
        pipe.close()
        with pytest.raises(asyncio.CancelledError):
            await put
    assert files_under(store.root) == []


async def test_small_objects_stay_on_the_loop_and_large_ones_go_to_a_thread(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[bool] = []
    real_write = os.write

    def recording_write(fd: int, data: bytes | memoryview) -> int:
        threads.append(threading.current_thread() is threading.main_thread())
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", recording_write)
    small = b"x" * local_store.INLINE_BYTES
    await store.put_bytes("a/small", small, "text/plain")
    await store.put_bytes("a/large", small + b"x", "text/plain")
    assert threads == [True, False]
    assert await store.read_bytes("a/large") == small + b"x"


async def test_list_walks_only_the_prefix_folder(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("jobs/a/fr/1", "jobs/a/2", "jobs/b/1", "uploads/u/1"):
        await store.put_bytes(key, b"1", "text/plain")
    scanned: list[str] = []
    real_scandir = os.scandir

    def recording_scandir(path: str) -> "os._ScandirIterator[str]":
        scanned.append(os.path.relpath(path, store.root))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", recording_scandir)
    assert [o.key for o in await store.list("jobs/a/")] == ["jobs/a/2", "jobs/a/fr/1"]
    assert sorted(scanned) == ["jobs/a", "jobs/a/fr"]


async def test_move_file_renames_or_copies_across_filesystems(
    store: LocalBlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "a.wav"
    source.write_bytes(b"a" * 10)
    inode = source.stat().st_ino
    ref = await store.move_file("jobs/j/fr/a.wav", source, "audio/wav")
    assert not source.exists() and await store.read_bytes(ref.key) == b"a" * 10
    assert (store.root / ref.key).stat().st_ino == inode, "renamed, not copied"

    # Scratch on another filesystem (rename fails with EXDEV): copied, then removed.
    real_replace = os.replace

    def cross_device(src: str, dst: str) -> None:
        if ".part-" not in os.fspath(src):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", cross_device)
    for name, size in (("b.wav", 10), ("c.wav", 3_000_000)):
        other = tmp_path / name
        other.write_bytes(b"b" * size)
        ref = await store.move_file(f"jobs/j/fr/{name}", other, "audio/wav")
        assert not other.exists() and await store.read_bytes(ref.key) == b"b" * size
        assert ref.sha256 == hashlib.sha256(b"b" * size).hexdigest()


def test_scratch_names_never_repeat() -> None:
    with scratch_files("a.wav") as [first], scratch_files("a.wav") as [second]:
        assert first != second and first.parent == second.parent


def test_scratch_files_are_removed_even_on_error() -> None:
    with pytest.raises(RuntimeError), scratch_files("a.wav", "b.wav") as paths:
        for p in paths:
            p.write_bytes(b"1")
        raise RuntimeError
    assert not any(p.exists() for p in paths)


async def test_a_signed_upload_url_works_until_the_expiry_it_reports(store: LocalBlobStore) -> None:
    signed = await store.signed_upload_url("uploads/u/1", 60)
    assert abs(signed.expires_at - (time.time() + 60)) < 2
    assert verify(signed.url, SECRET, BASE_URL, "PUT", now=signed.expires_at - 1) == "uploads/u/1"
    with pytest.raises(RefusedUrl):
        verify(signed.url, SECRET, BASE_URL, "PUT", now=signed.expires_at)


async def test_a_folder_that_is_not_the_store_is_an_outage_not_missing_objects(
    store: LocalBlobStore, tmp_path: Path
) -> None:
    ref = await store.put_bytes("jobs/j/a.wav", b"RIFF", "audio/wav")
    assert [o.key for o in await store.list()] == [ref.key]  # the marker is no object
    with pytest.raises(KeyError):  # the store is there: a missing object is missing
        await store.read_bytes("jobs/j/missing.wav")
    away = tmp_path / "away"
    store.root.rename(away)  # unmounted, moved: an empty folder or none at all
    for folder_left in (False, True):
        if folder_left:
            store.root.mkdir()
        for attempt in (
            store.read_bytes(ref.key),
            store.put_bytes("jobs/j/b.wav", b"RIFF", "audio/wav"),
            store.delete(ref.key),
            store.list("jobs/"),
        ):
            with pytest.raises(Outage):
                await attempt
        with pytest.raises(Outage):
            async with store.open_local(ref.key):
                pass
    store.root.rmdir()
    away.rename(store.root)  # back: everything is as it was
    assert await store.read_bytes(ref.key) == b"RIFF"
    assert await store.delete(ref.key) == 4


async def test_an_unreadable_object_is_an_outage(store: LocalBlobStore) -> None:
    ref = await store.put_bytes("jobs/j/a.wav", b"RIFF", "audio/wav")
    path = store.root / ref.key
    path.unlink()
    path.symlink_to(path)  # ELOOP: unreadable whoever asks (root reads through any mode)
    with pytest.raises(Outage):
        await store.read_bytes(ref.key)
