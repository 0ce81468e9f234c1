"""The blob contract on Supabase Storage (a local server speaking its API), plus what only a
remote store shows: outages, signed URLs that never carry the service key, pagination."""

import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from libs.events.outage import is_outage
from libs.storage.signed_fetch_store import SignedFetchBlobStore
from libs.storage.supabase_store import StorageRefused, StorageUnavailable, SupabaseBlobStore
from tests.support.blob_contract import BlobContract, FetchSigned
from tests.support.supabase_storage_fake import StorageFake
from tests.support.supabase_storage_tokens import CLOCK_HEADER


@pytest.fixture
def bucket(supabase_storage: StorageFake) -> Iterator[str]:
    name = f"b-{uuid.uuid4().hex[:10]}"
    supabase_storage.create_bucket(name)
    supabase_storage.clear_faults()
    yield name
    supabase_storage.clear_faults()
    supabase_storage.max_page = 1000


@pytest.fixture
async def store(supabase_storage: StorageFake, bucket: str) -> AsyncIterator[SupabaseBlobStore]:
    s = SupabaseBlobStore(
        supabase_storage.url, supabase_storage.service_key, bucket, timeout_s=10.0
    )
    yield s
    await s.close()


@pytest.fixture
def fetch_signed() -> FetchSigned:
    async def fetch(url: str, after_s: float) -> bytes:
        # As a client would: no credentials, only the URL (the fake's clock moved `after_s`).
        async with httpx.AsyncClient() as client:
            r = await client.get(url, headers={CLOCK_HEADER: str(after_s)})
        if r.status_code != 200:
            raise PermissionError(r.text)
        return r.content

    return fetch


class TestSupabaseStore(BlobContract):
    open_local_copies = True


@pytest.mark.parametrize(
    ("status", "in_body"),
    [(503, False), (502, False), (504, False), (500, True), (503, True), (429, True)],
)
async def test_server_errors_are_outages(
    store: SupabaseBlobStore,
    supabase_storage: StorageFake,
    tmp_path: Path,
    status: int,
    in_body: bool,
) -> None:
    await store.put_bytes("jobs/j/a", b"a", "text/plain")
    source = tmp_path / "s.wav"
    source.write_bytes(b"s" * 10_000)
    calls = [
        lambda: store.read_bytes("jobs/j/a"),
        lambda: store.put_bytes("jobs/j/b", b"b", "text/plain"),
        lambda: store.put_file("jobs/j/c", source, "audio/wav"),
        lambda: store.delete("jobs/j/a"),
        lambda: store.list("jobs/"),
        lambda: store.signed_url("jobs/j/a", 60),
        lambda: store.signed_url("jobs/j/d", 60, "PUT"),
    ]
    for call in calls:
        supabase_storage.fail_next(status, in_body=in_body)
        with pytest.raises(StorageUnavailable) as caught:
            await call()
        assert is_outage(caught.value)
    supabase_storage.fail_next(status, in_body=in_body)
    with pytest.raises(StorageUnavailable):
        async with store.open_local("jobs/j/a"):
            pass
    # Nothing was half-done: the store answers as before once Storage is back.
    assert [o.key for o in await store.list("jobs/")] == ["jobs/j/a"]
    assert await store.read_bytes("jobs/j/a") == b"a"


async def test_a_blip_is_retried_within_the_budget_and_a_longer_outage_raises(
    store: SupabaseBlobStore, supabase_storage: StorageFake, bucket: str, tmp_path: Path
) -> None:
    source = tmp_path / "mix.wav"
    source.write_bytes(b"m" * 300_000)
    url, key = supabase_storage.url, supabase_storage.service_key
    patient = SupabaseBlobStore(url, key, bucket, retry_for_s=5.0)
    try:
        supabase_storage.fail_next(502, times=2)
        ref = await patient.put_file("jobs/j/mix.wav", source, "audio/wav")
        assert ref.size == 300_000 and source.exists()
        supabase_storage.fail_next(503, times=2, in_body=True)
        async with patient.open_local("jobs/j/mix.wav") as path:
            assert path.read_bytes() == b"m" * 300_000
        supabase_storage.fail_next(503)
        assert await patient.delete("jobs/j/mix.wav") == 300_000
        supabase_storage.fail_next(503)
        assert await patient.list("jobs/") == []
    finally:
        await patient.close()
    brief = SupabaseBlobStore(url, key, bucket, retry_for_s=0.5)
    try:
        supabase_storage.fail_next(503, times=50)
        with pytest.raises(StorageUnavailable):
            await brief.read_bytes("jobs/j/mix.wav")
        assert 2 <= 50 - supabase_storage.pending_faults() <= 4, "retried, then gave up"
    finally:
        await brief.close()
        supabase_storage.clear_faults()


async def test_a_stalled_storage_times_out_as_an_outage(
    store: SupabaseBlobStore, supabase_storage: StorageFake, bucket: str
) -> None:
    await store.put_bytes("a", b"a", "text/plain")
    url, key = supabase_storage.url, supabase_storage.service_key
    impatient = SupabaseBlobStore(url, key, bucket, timeout_s=0.3)
    try:
        supabase_storage.stall_next(1.5)  # longer than it waits
        with pytest.raises(StorageUnavailable) as caught:
            await impatient.read_bytes("a")
        assert is_outage(caught.value)
        assert isinstance(caught.value.__cause__, httpx.TimeoutException)
    finally:
        await impatient.close()


async def test_an_unreachable_storage_is_an_outage(bucket: str) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = SupabaseBlobStore(f"http://127.0.0.1:{port}", "key", bucket, timeout_s=2.0)
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await store.read_bytes("a")
        assert is_outage(caught.value)
        with pytest.raises(StorageUnavailable):
            await store.put_bytes("a", b"a", "text/plain")
    finally:
        await store.close()


async def test_refusals_are_neither_missing_objects_nor_outages(
    supabase_storage: StorageFake, bucket: str
) -> None:
    wrong_key = SupabaseBlobStore(supabase_storage.url, "not-the-key", bucket)
    no_bucket = SupabaseBlobStore(supabase_storage.url, supabase_storage.service_key, "absent")
    try:
        for store in (wrong_key, no_bucket):
            with pytest.raises(StorageRefused) as caught:
                await store.read_bytes("a")
            assert not is_outage(caught.value) and not isinstance(caught.value, KeyError)
            with pytest.raises(StorageRefused):
                await store.put_bytes("a", b"a", "text/plain")
    finally:
        await wrong_key.close()
        await no_bucket.close()


async def test_signed_urls_never_carry_the_service_key(
    store: SupabaseBlobStore, supabase_storage: StorageFake
) -> None:
    await store.put_bytes("jobs/j/fr/mix.wav", b"mix", "audio/wav")
    urls = [
        await store.signed_url("jobs/j/fr/mix.wav", 60),
        await store.signed_url("uploads/u/1", 60, "PUT"),
    ]
    for url in urls:
        assert supabase_storage.service_key not in url
        assert url.startswith(f"{supabase_storage.url}/storage/v1/object/")
    # Nor does any request the store sends put it in a URL (only in headers).
    assert not any(supabase_storage.service_key in line for line in supabase_storage.requests)


async def test_a_signed_upload_url_takes_one_upload_of_its_own_object(
    store: SupabaseBlobStore, supabase_storage: StorageFake
) -> None:
    url = await store.signed_url("uploads/u/1", 60, "PUT")
    assert "/storage/v1/object/upload/sign/" in url and "token=" in url
    async with httpx.AsyncClient() as client:
        # Without credentials, as the user's client does.
        r = await client.put(url, content=b"stem", headers={"Content-Type": "audio/wav"})
        assert r.status_code == 200, r.text
        assert await store.read_bytes("uploads/u/1") == b"stem"
        # The object exists now: the same URL cannot replace it.
        again = await client.put(url, content=b"other", headers={"Content-Type": "audio/wav"})
        assert again.status_code == 400 and again.json()["statusCode"] == "409"
        # The token is for that object only, and only for uploading.
        other = await client.put(url.replace("/u/1?", "/u/2?"), content=b"x")
        assert other.status_code == 400 and other.json()["error"] == "InvalidSignature"
        forged = await client.put(url[: url.index("token=")] + "token=abc.def.ghi", content=b"x")
        assert forged.status_code == 400 and forged.json()["error"] == "InvalidJWT"
        read = await client.get(url.replace("/upload/sign/", "/sign/"))
        assert read.status_code == 400 and "scoped" in read.json()["message"]
    assert set(supabase_storage.objects(store.bucket)) == {"uploads/u/1"}


async def test_list_follows_the_cursor_across_pages(
    store: SupabaseBlobStore, supabase_storage: StorageFake
) -> None:
    keys = [f"jobs/j/{i:02d}" for i in range(7)] + ["jobs/k/1"]
    for key in keys:
        await store.put_bytes(key, key.encode(), "text/plain")
    supabase_storage.max_page = 2
    before = len(supabase_storage.requests)
    listed = await store.list("jobs/j/")
    assert [o.key for o in listed] == keys[:7]
    assert [o.size for o in listed] == [len(k) for k in keys[:7]]
    pages = [r for r in supabase_storage.requests[before:] if "/object/list-v2/" in r]
    assert len(pages) == 4


async def test_uploads_are_raw_bodies_upserted_with_their_length(
    store: SupabaseBlobStore, supabase_storage: StorageFake, tmp_path: Path
) -> None:
    source = tmp_path / "mix.wav"
    source.write_bytes(b"m" * 100)
    before = len(supabase_storage.uploads)
    await store.put_file("jobs/j/mix.wav", source, "audio/wav")
    await store.put_file("jobs/j/mix.wav", source, "audio/wav")  # a retry replaces it
    assert supabase_storage.objects(store.bucket) == {"jobs/j/mix.wav": b"m" * 100}
    for headers in supabase_storage.uploads[before:]:
        # Not multipart: Storage streams a raw body to its backend as it arrives.
        assert headers["content-type"] == "audio/wav" and headers["x-upsert"] == "true"
        assert headers["content-length"] == "100" and "transfer-encoding" not in headers


async def test_a_signed_upload_url_reports_the_expiry_storage_gave_it(
    store: SupabaseBlobStore, supabase_storage: StorageFake
) -> None:
    # Storage fixes an upload URL's life itself: not the 60 s asked for.
    signed = await store.signed_upload_url("uploads/u/1", 60)
    assert abs(signed.expires_at - (time.time() + supabase_storage.upload_url_ttl_s)) < 5
    async with httpx.AsyncClient() as client:
        left = signed.expires_at - time.time()
        late = await client.put(signed.url, content=b"x", headers={CLOCK_HEADER: str(left + 2)})
        assert late.status_code == 400 and late.json()["error"] == "ExpiredToken"
        # A store that fetches over signed URLs signs uploads as its inner store does.
        wrapped = SignedFetchBlobStore(store, client, limit=1)
        again = await wrapped.signed_upload_url("uploads/u/2", 60)
        assert abs(again.expires_at - signed.expires_at) < 5
