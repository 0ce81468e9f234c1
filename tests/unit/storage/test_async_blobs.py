"""AsyncBlobs: small objects are handled on the event loop, large ones in a worker thread."""

import hashlib
import threading
from pathlib import Path

from libs.events.catalogue import BlobRef
from libs.storage.async_blobs import AsyncBlobs
from libs.storage.local_store import LocalBlobStore


class ThreadRecordingStore(LocalBlobStore):
    """The local store, noting which thread each write ran on."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.threads: list[str] = []

    def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        self.threads.append(threading.current_thread().name)
        return super().put_bytes(key, data, content_type)

    def read_bytes(self, key: str) -> bytes:
        self.threads.append(threading.current_thread().name)
        return super().read_bytes(key)


async def test_small_objects_stay_on_the_loop_and_large_ones_go_to_a_thread(
    tmp_path: Path,
) -> None:
    store = ThreadRecordingStore(tmp_path)
    blobs = AsyncBlobs(store, inline_bytes=1024)
    small = await blobs.put_bytes("a/small", b"x" * 1024, "text/plain")
    large = await blobs.put_bytes("a/large", b"y" * 1025, "text/plain")
    assert await blobs.read_bytes(small) == b"x" * 1024
    assert await blobs.read_bytes(large) == b"y" * 1025
    main = threading.current_thread().name
    assert [t == main for t in store.threads] == [True, False, True, False]


async def test_move_file_consumes_the_source_and_hashes_it(tmp_path: Path) -> None:
    blobs = AsyncBlobs(LocalBlobStore(tmp_path / "blobs"))
    source = tmp_path / "render.wav"
    source.write_bytes(b"RIFF" + b"\0" * 5000)
    ref = await blobs.move_file("jobs/j/fr/mix.wav", source, "audio/wav")
    assert not source.exists()
    assert ref.sha256 == hashlib.sha256(b"RIFF" + b"\0" * 5000).hexdigest()
    assert ref.size == 5004
    assert (await blobs.local_path(ref)).read_bytes() == b"RIFF" + b"\0" * 5000
