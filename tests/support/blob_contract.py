"""One test suite every BlobStore adapter must pass.

Subclass `BlobContract` and give fixtures `store` (an empty store) and `fetch_signed` (fetch
a signed URL as a client would, `after_s` seconds from now; `PermissionError` if refused).
"""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from libs.storage.blob_store import BlobStore
from libs.storage.valid_keys import InvalidKey

FetchSigned = Callable[[str, float], Awaitable[bytes]]
BAD_KEYS = ["", "/abs", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/", "a/.."]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Pipe:
    """A named pipe to put from: a put that reads it stays in progress until it is closed."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "source.fifo"
        os.mkfifo(self.path)
        self._fd: int | None = None

    async def open(self) -> None:
        # Blocks until the store opens the reading end, so it runs in a thread.
        self._fd = await asyncio.to_thread(os.open, self.path, os.O_WRONLY)

    def write(self, data: bytes) -> None:
        assert self._fd is not None
        os.write(self._fd, data)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@asynccontextmanager
async def pipe_source(folder: Path) -> AsyncIterator[Pipe]:
    """A `Pipe` closed on exit, whatever happened."""
    pipe = Pipe(folder)
    try:
        yield pipe
    finally:
        pipe.close()


class BlobContract:
    """Behaviour shared by every object store."""

    # True where `open_local` downloads a copy (removed on exit), False where it hands out
    # the stored file itself.
    open_local_copies = True

    async def test_bytes_round_trip_with_size_hash_and_type(self, store: BlobStore) -> None:
        data = b'{"segments": []}'
        ref = await store.put_bytes("jobs/j/transcript.json", data, "application/json")
        assert (ref.key, ref.size, ref.sha256, ref.content_type) == (
            "jobs/j/transcript.json",
            len(data),
            sha(data),
            "application/json",
        )
        assert await store.read_bytes("jobs/j/transcript.json") == data
        empty = await store.put_bytes("jobs/j/empty", b"", "text/plain")
        assert (empty.size, empty.sha256) == (0, sha(b""))
        assert await store.read_bytes("jobs/j/empty") == b""

    async def test_large_file_streams_in_and_back(self, store: BlobStore, tmp_path: Path) -> None:
        data = os.urandom(3_000_000)  # several chunks, and above any inline threshold
        source = tmp_path / "mix.wav"
        source.write_bytes(data)
        ref = await store.put_file("jobs/j/fr/mix.wav", source, "audio/wav")
        assert (ref.size, ref.sha256) == (len(data), sha(data))
        assert source.read_bytes() == data, "put_file leaves its source alone"
        assert await store.read_bytes("jobs/j/fr/mix.wav") == data
        big = await store.put_bytes("jobs/j/fr/big.bin", data[::-1], "application/octet-stream")
        assert (big.size, big.sha256) == (len(data), sha(data[::-1]))

    async def test_a_put_replaces_the_whole_object(self, store: BlobStore) -> None:
        await store.put_bytes("a/b", b"first, longer", "text/plain")
        ref = await store.put_bytes("a/b", b"second", "text/plain")
        assert await store.read_bytes("a/b") == b"second" and ref.size == 6

    @pytest.mark.parametrize("size", [10, 3_000_000])
    async def test_move_file_consumes_the_source(
        self, store: BlobStore, tmp_path: Path, size: int
    ) -> None:
        data = os.urandom(size)
        source = tmp_path / "render.wav"
        source.write_bytes(data)
        ref = await store.move_file("jobs/j/fr/voice.wav", source, "audio/wav")
        assert not source.exists()
        assert (ref.key, ref.size, ref.sha256) == ("jobs/j/fr/voice.wav", size, sha(data))
        assert await store.read_bytes(ref.key) == data

    async def test_absent_objects_are_key_errors(self, store: BlobStore, tmp_path: Path) -> None:
        await store.put_bytes("jobs/j/fr/captions.srt", b"1", "application/x-subrip")
        # A folder of keys, and a key under an object, are not objects either.
        for key in ("jobs/j/fr/none.srt", "jobs/j/fr", "jobs/j/fr/captions.srt/x"):
            with pytest.raises(KeyError):
                await store.read_bytes(key)
            with pytest.raises(KeyError):
                async with store.open_local(key):
                    pass

    async def test_open_local_gives_the_content_and_cleans_up(self, store: BlobStore) -> None:
        data = os.urandom(300_000)
        await store.put_bytes("jobs/j/bed.wav", data, "audio/wav")
        async with store.open_local("jobs/j/bed.wav") as path:
            assert path.read_bytes() == data
        with pytest.raises(RuntimeError):
            async with store.open_local("jobs/j/bed.wav") as failed:
                raise RuntimeError
        for p in (path, failed):
            assert p.exists() != self.open_local_copies
        assert await store.read_bytes("jobs/j/bed.wav") == data, "the object stays stored"

    async def test_delete_reports_bytes_freed_and_missing_is_zero(self, store: BlobStore) -> None:
        await store.put_bytes("jobs/j/t.json", b"{}", "application/json")
        assert await store.delete("jobs/j/t.json") == 2
        assert await store.delete("jobs/j/t.json") == 0
        assert await store.delete("never/was") == 0
        with pytest.raises(KeyError):
            await store.read_bytes("jobs/j/t.json")
        assert await store.list("jobs/") == []

    async def test_list_by_prefix(self, store: BlobStore) -> None:
        for key in ("p/a/1", "p/a/2/x", "p/ab/3", "q/a/1", "top"):
            await store.put_bytes(key, key.encode(), "text/plain")
        listed = await store.list("p/a/")
        assert [(o.key, o.size) for o in listed] == [("p/a/1", 5), ("p/a/2/x", 7)]
        assert [o.key for o in await store.list("p/a")] == ["p/a/1", "p/a/2/x", "p/ab/3"]
        assert [o.key for o in await store.list("p/a/2/")] == ["p/a/2/x"]
        assert len(await store.list()) == 5
        assert await store.list("p/none/") == [] and await store.list("nothing") == []

    async def test_a_put_in_progress_is_invisible(self, store: BlobStore, tmp_path: Path) -> None:
        await store.put_bytes("jobs/j/done", b"x", "text/plain")
        async with pipe_source(tmp_path) as pipe:
            put = asyncio.create_task(store.put_file("jobs/j/mix.wav", pipe.path, "audio/wav"))
            await pipe.open()
            pipe.write(b"half of it")
            await asyncio.sleep(0.05)  # let the store take in what was written so far
            assert [o.key for o in await store.list("jobs/j/")] == ["jobs/j/done"]
            with pytest.raises(KeyError):
                await store.read_bytes("jobs/j/mix.wav")
            pipe.write(b" and the rest")
            pipe.close()
            ref = await put
        assert await store.read_bytes("jobs/j/mix.wav") == b"half of it and the rest"
        assert ref.sha256 == sha(b"half of it and the rest")
        assert [o.key for o in await store.list("jobs/j/")] == ["jobs/j/done", "jobs/j/mix.wav"]

    async def test_a_cancelled_put_leaves_nothing(self, store: BlobStore, tmp_path: Path) -> None:
        await store.put_bytes("jobs/j/mix.wav", b"old", "audio/wav")
        async with pipe_source(tmp_path) as pipe:
            put = asyncio.create_task(store.put_file("jobs/j/mix.wav", pipe.path, "audio/wav"))
            await pipe.open()
            pipe.write(b"new, half")
            await asyncio.sleep(0.05)
            put.cancel()
            await asyncio.sleep(0.05)  # the cancellation reaches the put before its source ends
            pipe.write(b" and the rest")
            pipe.close()
            with pytest.raises(asyncio.CancelledError):
                await put
        assert await store.read_bytes("jobs/j/mix.wav") == b"old"
        assert [o.key for o in await store.list("jobs/")] == ["jobs/j/mix.wav"]

    async def test_a_failed_put_leaves_nothing(self, store: BlobStore, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError):
            await store.put_file("a/b.wav", tmp_path / "missing.wav", "audio/wav")
        with pytest.raises(FileNotFoundError):
            await store.move_file("a/c.wav", tmp_path / "missing.wav", "audio/wav")
        assert await store.list() == []

    @pytest.mark.parametrize("key", BAD_KEYS)
    async def test_invalid_keys_are_refused(
        self, store: BlobStore, tmp_path: Path, key: str
    ) -> None:
        source = tmp_path / "x"
        source.write_bytes(b"x")
        with pytest.raises(InvalidKey):
            await store.put_bytes(key, b"x", "text/plain")
        with pytest.raises(InvalidKey):
            await store.put_file(key, source, "text/plain")
        with pytest.raises(InvalidKey):
            await store.move_file(key, source, "text/plain")
        assert source.exists(), "a refused move keeps its source"
        with pytest.raises(InvalidKey):
            await store.read_bytes(key)
        with pytest.raises(InvalidKey):
            async with store.open_local(key):
                pass
        with pytest.raises(InvalidKey):
            await store.delete(key)
        with pytest.raises(InvalidKey):
            await store.signed_url(key, 60)
        assert await store.list() == []

    @pytest.mark.parametrize("prefix", ["/", "/abs", "../", "a/../", "a//"])
    async def test_invalid_prefixes_are_refused(self, store: BlobStore, prefix: str) -> None:
        with pytest.raises(InvalidKey):
            await store.list(prefix)

    async def test_signed_url_grants_the_object_until_it_expires(
        self, store: BlobStore, fetch_signed: FetchSigned
    ) -> None:
        await store.put_bytes("jobs/j/fr/mix.wav", b"mix", "audio/wav")
        await store.put_bytes("jobs/j/de/mix.wav", b"other", "audio/wav")
        url = await store.signed_url("jobs/j/fr/mix.wav", expires_in_s=2)
        assert await fetch_signed(url, 0) == b"mix"
        with pytest.raises(PermissionError):
            await fetch_signed(url, 3)
        with pytest.raises(PermissionError):
            await fetch_signed(url.replace("/fr/", "/de/"), 0)
