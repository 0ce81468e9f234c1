"""Results kept through an outage of the store: bounded, and taken once; the job's result
cache keeps what the store refused and hands it to the next try without paying again."""

from pathlib import Path
from uuid import uuid4

import pytest

from libs.events.catalogue import BlobRef
from libs.events.outage import Outage
from libs.storage.content_cache import JobResultCache
from libs.storage.local_store import LocalBlobStore
from libs.storage.unstored import Unstored


def test_the_oldest_go_past_the_limit_and_are_told() -> None:
    dropped: list[str] = []
    kept: Unstored[str] = Unstored(limit=2, dropped=dropped.append)
    for key in ("a", "b", "c"):
        kept.keep(key, f"value {key}")
    assert dropped == ["value a"]
    assert kept.peek("b") == "value b"
    assert kept.take("b") == "value b"
    assert kept.take("b") is None, "taken once"
    assert len(kept) == 1


class DownStore(LocalBlobStore):
    """Writes meet an outage while `down` is set."""

    down = False

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        if self.down:
            raise Outage("storage answered 503")
        return await super().put_bytes(key, data, content_type)


async def test_an_entry_the_store_refused_is_kept_for_the_next_try(tmp_path: Path) -> None:
    blobs = DownStore(tmp_path, secret=None, base_url="http://b.test")
    kept: Unstored[bytes] = Unstored()
    job = uuid4()
    blobs.down = True
    with pytest.raises(Outage):
        await JobResultCache(blobs, job, "try-1", kept).store("chat", "k", b"paid")
    # Still down: the next try finds it without the store, and it stays kept.
    second = JobResultCache(blobs, job, "try-2", kept)
    assert await second.load("chat", "k") == b"paid"
    assert len(kept) == 1
    blobs.down = False
    third = JobResultCache(blobs, job, "try-3", kept)
    assert await third.load("chat", "k") == b"paid"
    assert len(kept) == 0, "stored on the way, for other processes"
    assert await JobResultCache(blobs, job, "other").load("chat", "k") == b"paid"
    # Another job's entry of the same key is not this one's.
    assert await JobResultCache(blobs, uuid4(), "x", kept).load("chat", "k") is None


async def test_other_refusals_are_not_kept(tmp_path: Path) -> None:
    class Refusing(LocalBlobStore):
        async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
            raise PermissionError("read-only")

    kept: Unstored[bytes] = Unstored()
    cache = JobResultCache(Refusing(tmp_path, secret=None, base_url="http://b"), uuid4(), "w", kept)
    with pytest.raises(PermissionError):
        await cache.store("chat", "k", b"x")
    assert len(kept) == 0
