"""The gateway's REST contract on real PostgreSQL and NATS: auth, validation, idempotency."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from libs.auth.tokens import mint_token
from libs.config.settings import Settings
from redub.runtime.connections import Connections, connect
from services.gateway.app import create_app
from services.gateway.context import GatewayContext
from tests.support.builders import USER
from tests.support.media import tone_wav

OTHER = uuid4()


@pytest.fixture
async def api(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=database_url,
        nats_url=nats_url,
        state_dir=tmp_path,
        stream_name=stream_prefix.upper(),
        subject_prefix=stream_prefix,
    )
    conns: Connections = await connect(settings, pool_size=4)
    app = create_app(GatewayContext(settings, conns.store, conns.bus, conns.blobs))
    transport = httpx.ASGITransport(app=app)
    token = mint_token(USER, settings.jwt_secret)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gw", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        c.secret = settings.jwt_secret  # type: ignore[attr-defined]
        yield c
    await conns.bus.js.delete_stream(conns.bus.stream)
    await conns.close()


async def up(api: httpx.AsyncClient, path: Path, headers: dict[str, str] | None = None) -> str:
    r = await api.post(
        "/v1/uploads", files={"file": (path.name, path.read_bytes(), "audio/wav")}, headers=headers
    )
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


def error(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def test_requests_without_a_valid_token_are_refused(api: httpx.AsyncClient) -> None:
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": ""})
    assert r.status_code == 401 and error(r) == "missing_token"
    expired = mint_token(USER, api.secret, ttl_s=-10)  # type: ignore[attr-defined]
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and error(r) == "invalid_token"
    forged = mint_token(USER, "another-secret-of-enough-length-123")
    r = await api.get(f"/v1/jobs/{uuid4()}", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


async def test_upload_that_is_not_audio_is_refused_and_not_kept(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    r = await api.post("/v1/uploads", files={"file": ("x.wav", b"not audio at all", "audio/wav")})
    assert r.status_code == 422 and error(r) == "unreadable_media"
    assert "x.wav" in r.json()["error"]["message"]
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


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
        ({"target_languages": ["fr"], "premium_voice": True}, 422, "premium_voice_unavailable"),
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
