"""The gateway with REDUB_STORAGE_BACKEND=supabase (a local server speaking Storage's API): the
client PUTs straight to Storage's signed upload URL and `complete` verifies what Storage holds;
downloads redirect to Storage's signed URLs."""

import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.events.catalogue import Artifact, DubReady, TranscriptReady
from libs.storage.supabase_store import SupabaseBlobStore
from tests.support.builders import blob, speech, step, translation
from tests.support.gateway_app import Gateway, gateway
from tests.support.media import tone_wav
from tests.support.supabase_storage_fake import StorageFake
from tests.support.supabase_storage_tokens import CLOCK_HEADER


@pytest.fixture
def bucket(supabase_storage: StorageFake) -> str:
    name = f"g-{uuid.uuid4().hex[:10]}"
    supabase_storage.create_bucket(name, file_size_limit=1_000_000)
    return name


@pytest.fixture
async def gw(
    database_url: str,
    nats_url: str,
    stream_prefix: str,
    tmp_path: Path,
    supabase_storage: StorageFake,
    bucket: str,
) -> AsyncIterator[Gateway]:
    async with gateway(
        database_url,
        nats_url,
        stream_prefix,
        tmp_path,
        storage_backend="supabase",
        supabase_url=supabase_storage.url,
        supabase_service_role_key=supabase_storage.service_key,
        supabase_bucket=bucket,
        supabase_retry_s=0.0,  # an outage answers at once (the store's retries have their tests)
    ) as g:
        yield g


async def declare(gw: Gateway, data: bytes) -> dict[str, Any]:
    body = {
        "kind": "voice",
        "filename": "stem.wav",
        "content_type": "audio/wav",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    r = await gw.client.post("/v1/uploads", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def send(
    ticket: dict[str, Any], data: bytes, *, clock_offset_s: float = 0.0
) -> httpx.Response:
    # As the user's client does: only the URL and the headers the ticket names, no key (the
    # fake's clock moved `clock_offset_s`).
    headers = {**ticket["upload_headers"], CLOCK_HEADER: str(clock_offset_s)}
    async with httpx.AsyncClient() as client:
        return await client.put(ticket["upload_url"], content=data, headers=headers)


async def test_declare_put_to_storage_then_complete(
    gw: Gateway, supabase_storage: StorageFake, bucket: str, tmp_path: Path
) -> None:
    data = tone_wav(tmp_path / "v.wav", 2.0).read_bytes()
    ticket = await declare(gw, data)
    url = ticket["upload_url"]
    assert url.startswith(f"{supabase_storage.url}/storage/v1/object/upload/sign/{bucket}/")
    assert supabase_storage.service_key not in url
    assert (await send(ticket, data)).status_code == 200
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "verified" and abs(done["duration_s"] - 2.0) < 0.01
    assert list(supabase_storage.objects(bucket).values()) == [data]
    # Storage holds the object once: the same URL cannot replace it.
    again = await send(ticket, b"x" * len(data))
    assert again.status_code == 400 and again.json()["statusCode"] == "409"
    assert list(supabase_storage.objects(bucket).values()) == [data]


async def test_the_ticket_expires_when_storage_s_upload_url_does(
    gw: Gateway, supabase_storage: StorageFake, bucket: str, tmp_path: Path
) -> None:
    # Storage fixes an upload URL's life itself (2 h), longer than our REDUB_UPLOAD_URL_TTL_S:
    # the ticket says when Storage will refuse the URL, not what the gateway asked for.
    assert supabase_storage.upload_url_ttl_s != gw.settings.upload_url_ttl_s
    data = tone_wav(tmp_path / "v.wav", 1.0).read_bytes()
    ticket = await declare(gw, data)
    left = datetime.fromisoformat(ticket["expires_at"]).timestamp() - time.time()
    assert abs(left - supabase_storage.upload_url_ttl_s) < 5
    # A moment past `expires_at` Storage refuses the URL; a moment before, it takes the bytes.
    late = await send(ticket, data, clock_offset_s=left + 2)
    assert late.status_code == 400 and late.json()["error"] == "ExpiredToken"
    assert (await send(ticket, data, clock_offset_s=left - 30)).status_code == 200
    assert list(supabase_storage.objects(bucket).values()) == [data]


async def test_bytes_that_differ_from_the_declaration_are_refused_and_removed(
    gw: Gateway, supabase_storage: StorageFake, bucket: str, tmp_path: Path
) -> None:
    data = tone_wav(tmp_path / "v.wav", 1.0).read_bytes()
    ticket = await declare(gw, data)
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_uploaded"
    # Storage does not check the declaration as bytes arrive: `complete` does.
    assert (await send(ticket, data[:-1] + b"\x01")).status_code == 200
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 422 and r.json()["error"]["code"] == "checksum_mismatch"
    assert supabase_storage.objects(bucket) == {}
    # The bucket's size limit stops an oversized body as it arrives.
    big = await declare(gw, b"x" * 1_500_000)
    r = await send(big, b"x" * 1_500_000)
    assert r.status_code == 400 and r.json()["statusCode"] == "413"
    assert supabase_storage.objects(bucket) == {}


async def test_storage_down_during_complete_is_a_retryable_503(
    gw: Gateway, supabase_storage: StorageFake, bucket: str, tmp_path: Path
) -> None:
    data = tone_wav(tmp_path / "v.wav", 1.0).read_bytes()
    ticket = await declare(gw, data)
    assert (await send(ticket, data)).status_code == 200
    supabase_storage.fail_next(503)
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 503 and supabase_storage.service_key not in r.text
    r = await gw.client.post(f"/v1/uploads/{ticket['upload_id']}/complete")
    assert r.status_code == 200 and r.json()["status"] == "verified"


async def test_downloads_redirect_to_storage_and_a_gone_blob_is_410(
    gw: Gateway, supabase_storage: StorageFake, bucket: str, tmp_path: Path
) -> None:
    ids = []
    for name in ("v", "b"):  # direct uploads: the gateway moves them into Storage
        data = tone_wav(tmp_path / f"{name}.wav", 3.0).read_bytes()
        r = await gw.client.post("/v1/uploads/file", files={"file": ("s.wav", data, "audio/wav")})
        assert r.status_code == 201, r.text
        ids.append(r.json()["upload_id"])
    body = {"voice_upload_id": ids[0], "background_upload_id": ids[1]}
    r = await gw.client.post("/v1/jobs", json={**body, "target_languages": ["fr"]})
    assert r.status_code == 202, r.text
    job_id = uuid.UUID(r.json()["job_id"])
    key = f"jobs/{job_id}/mixer/x/fr/mix.wav"
    ready = TranscriptReady(
        transcript=blob("t"), segments=1, duration_s=3, target_languages=["fr"], provider="test"
    )
    await gw.store.append([step(job_id, ready)])
    await gw.store.append([step(job_id, translation("fr"))])
    await gw.store.append([step(job_id, speech("fr"))])
    done = DubReady(language="fr", artifacts=[Artifact(kind="mix", blob=blob(key))])
    await gw.store.append([step(job_id, done)])
    blobs = SupabaseBlobStore(supabase_storage.url, supabase_storage.service_key, bucket)
    try:
        await blobs.put_bytes(key, b"RIFF-the-mix", "audio/wav")
        links = await gw.client.get(f"/v1/jobs/{job_id}/download", params={"language": "fr"})
        [link] = links.json()["files"]
        r = await gw.client.get(link["url"], headers={"Authorization": ""})
        assert r.status_code == 307
        signed = r.headers["location"]
        assert signed.startswith(f"{supabase_storage.url}/storage/v1/object/sign/{bucket}/")
        assert supabase_storage.service_key not in signed
        async with httpx.AsyncClient() as client:  # the user's client follows it, keyless
            assert (await client.get(signed)).content == b"RIFF-the-mix"
        await blobs.delete(key)
        links = await gw.client.get(f"/v1/jobs/{job_id}/download", params={"language": "fr"})
        r = await gw.client.get(links.json()["files"][0]["url"], headers={"Authorization": ""})
        assert r.status_code == 410 and r.json()["error"]["code"] == "artifact_purged"
    finally:
        await blobs.close()
