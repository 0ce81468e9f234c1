"""The gateway's REST contract on real PostgreSQL and NATS: auth, validation, idempotency."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from libs.auth.tokens import mint_token
from libs.storage.local_store import MARKER
from tests.support.builders import USER
from tests.support.gateway_app import gateway
from tests.support.media import tone_wav

OTHER = uuid4()


@pytest.fixture
async def api(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(database_url, nats_url, stream_prefix, tmp_path) as g:
        g.client.secret = g.settings.jwt_secret  # type: ignore[attr-defined]
        yield g.client


async def up(api: httpx.AsyncClient, path: Path, headers: dict[str, str] | None = None) -> str:
    r = await api.post(
        "/v1/uploads/file",
        files={"file": (path.name, path.read_bytes(), "audio/wav")},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


def error(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_requests_without_a_valid_token_are_refused(api: httpx.AsyncClient) -> None:
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": ""})
    assert r.status_code == 401 and error(r) == "missing_token"
    expired = mint_token(USER, api.secret, ttl_s=-300)  # type: ignore[attr-defined]
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and error(r) == "invalid_token"
    forged = mint_token(USER, "another-secret-of-enough-length-123")
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith('Bearer realm="redub", error="invalid_token"')
    anon = mint_token(USER, api.secret, role="anon")  # type: ignore[attr-defined]
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": f"Bearer {anon}"})
    assert r.status_code == 401 and "not a signed-in user" in r.json()["error"]["message"]


async def test_a_stranger_is_refused_before_any_byte_of_the_body_is_read(
    api: httpx.AsyncClient,
) -> None:
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(64):
            sent.append(1)
            yield b"x" * 65536

    r = await api.post(
        "/v1/uploads/file",
        content=body(),
        headers={"Authorization": "", "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 401 and error(r) == "missing_token"
    assert r.headers["www-authenticate"] == 'Bearer realm="redub"'
    # The ASGI transport hands over the body only when the app asks for it: nothing was.
    assert len(sent) <= 1


async def test_strangers_cannot_enumerate_routes_but_may_read_the_openapi_document(
    api: httpx.AsyncClient,
) -> None:
    r = await api.get("/v1/nothing-here", headers={"Authorization": ""})
    assert r.status_code == 401
    r = await api.get("/v1/nothing-here")
    assert r.status_code == 404 and error(r) == "not_found"
    r = await api.delete("/v1/uploads")
    assert r.status_code == 405 and error(r) == "method_not_allowed"
    r = await api.get("/v1/openapi.json", headers={"Authorization": ""})
    assert r.status_code == 200 and "HTTPBearer" in r.text


async def test_upload_that_is_not_audio_is_refused_and_not_kept(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    r = await api.post(
        "/v1/uploads/file", files={"file": ("x.wav", b"not audio at all", "audio/wav")}
    )
    assert r.status_code == 422 and error(r) == "unreadable_media"
    message = r.json()["error"]["message"]
    assert "/" not in message.replace("AAC/M4A", "").replace("WebM/Matroska", "")
    assert "ffprobe" not in message and "Invalid data" not in message
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file() and p.name != MARKER] == []


async def test_job_validation_errors_say_what_to_fix(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    voice = await up(api, tone_wav(tmp_path / "v.wav", 3.0))
    short = await up(api, tone_wav(tmp_path / "s.wav", 1.0))
    bed = await up(api, tone_wav(tmp_path / "b.wav", 3.0))
    cases = [
        ({"target_languages": ["xx"]}, 422, "unsupported_language"),
        ({"target_languages": ["fr", "fr"]}, 422, "duplicate_language"),
        ({"target_languages": []}, 422, "invalid_request"),
        (
            {"target_languages": ["fr"], "background_upload_id": short},
            422,
            "stem_duration_mismatch",
        ),
        (
            {"target_languages": ["fr"], "background_upload_id": str(uuid4())},
            404,
            "upload_not_found",
        ),
        ({"target_languages": ["fr"], "colour": "red"}, 422, "invalid_request"),
        # Premium voices are off unless the server flags them on (and has the vendor's key).
        (
            {"target_languages": ["fr"], "options": {"premium_voice": True}},
            422,
            "premium_voice_unavailable",
        ),
    ]
    for patch, status, code in cases:
        body = {"voice_upload_id": voice, "background_upload_id": bed, **patch}
        r = await api.post("/v1/jobs", json=body)
        assert (r.status_code, error(r)) == (status, code), (patch, r.text)
        assert r.json()["error"]["message"]


async def test_idempotency_key_returns_the_same_job(api: httpx.AsyncClient, tmp_path: Path) -> None:
    body = {
        "voice_upload_id": await up(api, tone_wav(tmp_path / "v.wav", 2.0)),
        "background_upload_id": await up(api, tone_wav(tmp_path / "b.wav", 2.0)),
        "target_languages": ["fr"],
    }
    first = await api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "abc"})
    again = await api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "abc"})
    other = await api.post("/v1/jobs", json=body, headers={"Idempotency-Key": "abd"})
    assert (first.status_code, again.status_code, other.status_code) == (202, 200, 202)
    assert first.json()["job_id"] == again.json()["job_id"] != other.json()["job_id"]
    assert first.headers["location"] == f"/v1/jobs/{first.json()['job_id']}"
    changed = await api.post(
        "/v1/jobs", json={**body, "target_languages": ["de"]}, headers={"Idempotency-Key": "abc"}
    )
    assert changed.status_code == 422 and error(changed) == "idempotency_key_reused"


async def test_other_users_cannot_see_or_use_what_is_not_theirs(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    voice = await up(api, tone_wav(tmp_path / "v.wav", 2.0))
    bed = await up(api, tone_wav(tmp_path / "b.wav", 2.0))
    job = await api.post(
        "/v1/jobs",
        json={"voice_upload_id": voice, "background_upload_id": bed, "target_languages": ["de"]},
    )
    assert job.status_code == 202
    other = {"Authorization": f"Bearer {mint_token(OTHER, api.secret)}"}  # type: ignore[attr-defined]
    r = await api.get(f"/v1/jobs/{job.json()['job_id']}", headers=other)
    assert r.status_code == 404 and error(r) == "job_not_found"
    r = await api.post(
        "/v1/jobs",
        headers=other,
        json={"voice_upload_id": voice, "background_upload_id": bed, "target_languages": ["de"]},
    )
    assert r.status_code == 404 and error(r) == "upload_not_found"
    mine = await api.get(f"/v1/jobs/{job.json()['job_id']}")
    assert mine.json()["tasks"]["de"]["status"] == "pending"
