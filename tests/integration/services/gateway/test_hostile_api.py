"""Hostile input against a real gateway process (real PostgreSQL and NATS): a client's mistake
is a 4xx in the one error shape, never a retryable 503; races on one Idempotency-Key make one job."""

import asyncio
import base64
import hashlib
import json
import wave
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import numpy as np
import pytest

from libs.auth.tokens import mint_token
from redub.runtime.dev_stack import DevStack
from tests.support.media import tone_wav


def _client(stack: DevStack, user: UUID) -> httpx.Client:
    assert stack.settings.jwt_secret
    token = mint_token(user, stack.settings.jwt_secret)
    return httpx.Client(
        base_url=stack.settings.gateway_url,
        timeout=30,
        headers={"Authorization": f"Bearer {token}"},
    )


def _up(c: httpx.Client, path: Path, content_type: str = "audio/wav", **form: str) -> Any:
    with path.open("rb") as f:
        return c.post("/v1/uploads/file", files={"file": (path.name, f, content_type)}, data=form)


def _uploaded(c: httpx.Client, path: Path, **form: str) -> str:
    r = _up(c, path, **form)
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _assert_error_shape(r: httpx.Response) -> None:
    body = r.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body


@pytest.mark.parametrize(
    "tampered",
    [
        # A well-formed timestamp, and a job id that is not a string: UUID(123) raises
        # AttributeError, which `_decode_cursor` does not catch.
        ["2026-01-01T00:00:00+00:00", 123],
        ["2026-01-01T00:00:00+00:00", ["x"]],
        ["2026-01-01T00:00:00+00:00", True],
        # A timestamp PostgreSQL cannot take (year 1 east of UTC is year 0 in UTC).
        ["0001-01-01T00:00:00+01:00", "00000000-0000-0000-0000-000000000000"],
    ],
)
def test_a_tampered_cursor_is_a_client_error_not_a_retryable_outage(
    gateway_stack: DevStack, tampered: object
) -> None:
    with _client(gateway_stack, uuid4()) as c:
        r = c.get("/v1/jobs", params={"cursor": _cursor(tampered)})
    # README: "a client's mistake is a 4xx, an outage of ours 503 with Retry-After".
    assert r.status_code == 422, (r.status_code, r.text)
    _assert_error_shape(r)
    assert r.json()["error"]["code"] == "invalid_cursor"


def _stems(gateway_stack: DevStack, user: UUID, tmp_path: Path) -> dict[str, Any]:
    with _client(gateway_stack, user) as c:
        voice = _uploaded(c, tone_wav(tmp_path / "v.wav", 2.0))
        bed = _uploaded(c, tone_wav(tmp_path / "b.wav", 2.0))
    return {"voice_upload_id": voice, "background_upload_id": bed, "target_languages": ["es"]}


def _submitted_at_once(
    gateway_stack: DevStack, user: UUID, bodies: list[dict[str, Any]], key: str
) -> list[httpx.Response]:
    """`bodies` posted to `/v1/jobs` all at once under one `Idempotency-Key`."""
    assert gateway_stack.settings.jwt_secret
    auth = {"Authorization": f"Bearer {mint_token(user, gateway_stack.settings.jwt_secret)}"}

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            base_url=gateway_stack.settings.gateway_url, timeout=30, headers=auth
        ) as ac:
            return await asyncio.gather(
                *(ac.post("/v1/jobs", json=b, headers={"Idempotency-Key": key}) for b in bodies)
            )

    return asyncio.run(race())


def test_concurrent_submissions_with_one_idempotency_key_make_one_job(
    gateway_stack: DevStack, tmp_path: Path
) -> None:
    user = uuid4()
    body = _stems(gateway_stack, user, tmp_path)
    answers = _submitted_at_once(gateway_stack, user, [body] * 8, "race-1")
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(202) == 1 and set(statuses) <= {200, 202}, [
        (r.status_code, r.text[:200]) for r in answers
    ]
    assert len({r.json()["job_id"] for r in answers}) == 1


def test_concurrent_submissions_of_different_bodies_under_one_key(
    gateway_stack: DevStack, tmp_path: Path
) -> None:
    user = uuid4()
    body = _stems(gateway_stack, user, tmp_path)
    levels = [-16.0, -18.0, -20.0, -23.0, -26.0, -30.0]
    bodies = [{**body, "options": {"loudness_target_lufs": level}} for level in levels]
    answers = _submitted_at_once(gateway_stack, user, bodies, "race-2")
    statuses = sorted(r.status_code for r in answers)
    assert statuses.count(202) == 1 and statuses.count(422) == len(levels) - 1, [
        (r.status_code, r.text[:200]) for r in answers
    ]
    for r in answers:
        if r.status_code == 422:
            _assert_error_shape(r)
            assert r.json()["error"]["code"] == "idempotency_key_reused"


def test_the_direct_upload_route_refuses_what_the_declared_route_refuses(
    gateway_stack: DevStack, tmp_path: Path
) -> None:
    # `POST /v1/uploads` takes only audio content types (AUDIO_TYPES); the one-request route
    # stores whatever the multipart part says, which later travels in job.submitted's blob ref.
    wav = tone_wav(tmp_path / "v.wav", 1.0)
    with _client(gateway_stack, uuid4()) as c:
        declared = c.post(
            "/v1/uploads",
            json={
                "kind": "voice",
                "filename": "v.wav",
                "content_type": "text/html",
                "size": wav.stat().st_size,
                "sha256": hashlib.sha256(wav.read_bytes()).hexdigest(),
            },
        )
        assert declared.status_code == 422
        direct = _up(c, wav, content_type="text/html")
    assert direct.status_code == 422 or direct.json()["content_type"] != "text/html", direct.text


def test_a_stem_uploaded_as_background_is_not_dubbed_as_the_voice(
    gateway_stack: DevStack, tmp_path: Path
) -> None:
    # The declaration's `kind` is required and stored, but never checked when a job names it.
    with _client(gateway_stack, uuid4()) as c:
        bed_a = _uploaded(c, tone_wav(tmp_path / "a.wav", 2.0), kind="background")
        bed_b = _uploaded(c, tone_wav(tmp_path / "b.wav", 2.0), kind="background")
        r = c.post(
            "/v1/jobs",
            json={
                "voice_upload_id": bed_a,
                "background_upload_id": bed_b,
                "target_languages": ["es"],
            },
        )
    assert r.status_code == 422, r.text
    _assert_error_shape(r)


def _wav_with_channels(path: Path, channels: int, seconds: float = 2.0) -> Path:
    """A plain PCM WAV (no channel mask) with the same tone on every channel."""
    rate = 16_000
    tone = (3000 * np.sin(2 * np.pi * 220 * np.arange(int(seconds * rate)) / rate)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone, channels).tobytes())
    return path


def test_a_well_formed_stem_with_more_channels_than_accepted_is_not_called_damaged(
    gateway_stack: DevStack, tmp_path: Path
) -> None:
    channels = 12
    # docs/upload-contract.md: "mono to 5.1". `judge_streams` checks neither channel count nor
    # rate (7.1, 4 kHz and 192 kHz stems are verified and dub fine); 12 channels with no mask
    # make the measuring decode's `-ac 1` fail, and the client is told the file is damaged.
    path = _wav_with_channels(tmp_path / f"c{channels}.wav", channels)
    with _client(gateway_stack, uuid4()) as c:
        r = _up(c, path)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] not in {"undecodable_media"}, (
        "a well-formed file is called damaged: " + r.text
    )
